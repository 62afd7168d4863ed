// `rollwatch templates` crunches files: importing the rest of the CLI first (the embedded services,
// Kafka and Elasticsearch clients) costs it about 1.5 CPU-seconds and 100 MB before its first line,
// so it is dispatched before anything else is loaded. Every other command, and `--version`
// anywhere on the line, goes through runCli.
const argv = process.argv.slice(2);
const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

if (argv[0] === 'templates' && !argv.includes('--version')) {
  const { templatesCommand } = await import('@rollwatch/logtemplates');
  try {
    process.exitCode = await templatesCommand(argv.slice(1), io);
  } catch (error) {
    // As runCli reports a command's unexpected error (EXIT.failure).
    io.stderr.write(`rollwatch templates: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
} else {
  const { runCli } = await import('./cli.js');
  process.exitCode = await runCli(argv, io);
}
