"""An MTA's alias delivery in a few lines, for tests: each message accepted over SMTP is piped to a command, the way
Postfix runs `support: "|/usr/local/bin/servicedesk-mail-pipe"`, and the command's sysexits(3) code decides the SMTP
answer: 0 delivered (250), 75 EX_TEMPFAIL (451: the client keeps it queued), anything else (550: bounced)."""
import asyncio


class Pipe:
    def __init__(self, command):
        self.command = command

    @classmethod
    def from_cli(cls, parser, *args):
        return cls(*args)

    async def handle_DATA(self, server, session, envelope):
        process = await asyncio.create_subprocess_exec(
            self.command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        _, error = await process.communicate(envelope.original_content)
        reason = error.decode("utf-8", "replace").strip().replace("\r", " ").replace("\n", " ")[:300]
        if process.returncode == 0:
            return "250 2.0.0 Delivered to " + self.command
        if process.returncode == 75:
            return "451 4.3.0 " + reason
        return "550 5.6.0 " + reason
