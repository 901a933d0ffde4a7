/** The wickr-admin command: builds the program from one module per command group and runs it. */
import { Command, CommanderError } from 'commander';
import { registerAuditCommands } from './commands/audit.js';
import { registerBackupCommands } from './commands/backup.js';
import { registerFixtureCommands } from './commands/fixtures.js';
import { registerKeys } from './commands/keys.js';
import { registerMigrate } from './commands/migrate.js';
import { registerOutbox } from './commands/outbox.js';
import { registerScim } from './commands/scim.js';
import { registerServe } from './commands/serve.js';
import { registerWebhooks } from './commands/webhooks.js';
import { endQuietlyOnClosedPipe, UsageError } from './io.js';
import { registerUserCommands } from './users/commands.js';
import { packageVersion } from './version.js';

const HINT = "(run 'wickr-admin <command> --help' for usage)";

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('wickr-admin')
    .description('A self-hosted, wire-compatible AWS Wickr Admin API server and its admin tools')
    .version(packageVersion(), '-V, --version', 'print the version of wickr-admin-server')
    // A usage error is one line and a hint, not the whole help; inherited by every command.
    .showHelpAfterError(HINT)
    .configureOutput({
      outputError: (str, write) => write(`wickr-admin: ${str.replace(/^error: /, '')}`),
    })
    .exitOverride();
  registerServe(program);
  registerKeys(program);
  registerOutbox(program);
  registerFixtureCommands(program);
  registerUserCommands(program);
  registerAuditCommands(program);
  registerWebhooks(program);
  registerBackupCommands(program);
  registerMigrate(program);
  registerScim(program);
  return program;
}

export async function run(argv: string[]): Promise<void> {
  endQuietlyOnClosedPipe();
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    // Commander has printed its own usage errors (and --help, --version) already.
    if (err instanceof CommanderError) process.exit(err.exitCode);
    process.stderr.write(`wickr-admin: ${err instanceof Error ? err.message : String(err)}\n`);
    if (err instanceof UsageError) process.stderr.write(`${HINT}\n`);
    process.exit(1);
  }
}

await run(process.argv);
