// Fault tests stop and start the shared PostgreSQL and RabbitMQ and kill processes: one at a time, or one test's
// fault would land in the middle of another's.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
