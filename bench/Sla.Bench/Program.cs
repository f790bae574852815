using BenchmarkDotNet.Running;
using Sla.Bench;

BenchmarkSwitcher.FromAssembly(typeof(CalendarBenchmarks).Assembly).Run(args);
