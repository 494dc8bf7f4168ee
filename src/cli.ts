import { parseArgs } from 'node:util';
import { PASSWORD_PROBLEM_MESSAGES, passwordProblem } from '../shared/password-policy.ts';
import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { openDatabase, transaction } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createOrganizationWithAdmin } from './organizations/organizations.service.ts';

const USAGE = `Usage: usher <command>

  start        serve the console and API, and run background jobs (default)
  serve        serve the console and API only (run workers elsewhere)
  worker       run background jobs only (PostgreSQL: any number beside the servers)
  migrate      bring the database schema up to date, then exit
  create-org   --name NAME --admin-email EMAIL
               create another organization with its first system admin; the password
               comes from USHER_NEW_ADMIN_PASSWORD, else it is asked for (typed twice,
               not shown), else read as one line from standard input

Configuration is read from the environment; see README.md.`;

/**
 * The first admin's password for `create-org`: from USHER_NEW_ADMIN_PASSWORD, else typed twice at
 * a hidden prompt, else one line of standard input (for scripts). Checked against the same policy
 * as the set-up page.
 */
async function readNewPassword(email: string): Promise<string> {
  let password = process.env.USHER_NEW_ADMIN_PASSWORD;
  if (password === undefined || password === '') {
    if (process.stdin.isTTY) {
      password = await promptHidden('Password of the new system admin: ');
      const again = await promptHidden('The same password again: ');
      if (again !== password) {
        throw new Error('The two passwords differ. Run create-org again.');
      }
    } else {
      password = await readLine(process.stdin);
    }
  }
  const problem = passwordProblem(password, { email });
  if (problem) {
    throw new Error(`The password ${PASSWORD_PROBLEM_MESSAGES[problem]}.`);
  }
  return password;
}

/** Reads one line at the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const input = process.stdin;
    process.stdout.write(question);
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    let typed = '';
    const done = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stdout.write('\n');
      if (error) {
        reject(error);
      } else {
        resolve(typed);
      }
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') {
          done();
          return;
        }
        if (char === '\u0003') {
          done(new Error('Cancelled.'));
          return;
        }
        typed = char === '\u007f' || char === '\b' ? [...typed].slice(0, -1).join('') : typed + char;
      }
    };
    input.on('data', onData);
  });
}

/** The first line of a stream (without its line end). */
async function readLine(input: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += chunk.toString();
    if (/[\r\n]/.test(text)) {
      break;
    }
  }
  return text.split(/\r?\n|\r/)[0] ?? '';
}

/**
 * Lines in a box drawn around them, wide enough for the longest (a link is never wrapped).
 * @returns the block, with a blank line before and after
 */
function framed(lines: string[]): string {
  const width = Math.max(...lines.map((line) => line.length));
  const body = lines.map((line) => `║ ${line.padEnd(width)} ║`);
  const rule = '═'.repeat(width + 2);
  return ['', `╔${rule}╗`, ...body, `╚${rule}╝`, '', ''].join('\n');
}

async function runServer(mode: 'start' | 'serve' | 'worker'): Promise<void> {
  const config = loadConfig();
  const app = await createApp({ config, worker: mode !== 'serve' });
  const log = app.server.log;
  for (const name of app.appliedMigrations) {
    log.info({ migration: name }, 'migration applied');
  }
  if (app.firstRun.kind === 'created') {
    log.info({ organizationId: app.firstRun.organizationId, email: app.firstRun.email }, 'first organization created');
  } else if (app.firstRun.kind === 'setup-link') {
    // On stderr and framed, so it stands out from the JSON log lines on stdout.
    process.stderr.write(
      framed([
        'Usher has no organization yet. Open this one-time link to create it',
        'and its first admin:',
        '',
        `  ${app.firstRun.url}`,
        '',
        '(or set USHER_ADMIN_EMAIL, USHER_ADMIN_PASSWORD and USHER_ORG_NAME',
        'and restart)',
      ]),
    );
  }
  if (mode !== 'worker') {
    await app.server.listen({ port: config.port, host: config.host });
    log.info(
      { database: app.ctx.database.kind, url: config.publicUrl, worker: mode === 'start' },
      `Usher is serving the console on ${config.publicUrl}`,
    );
  } else {
    log.info({ database: app.ctx.database.kind }, 'Usher worker is running');
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error('shutdown took longer than 20 s; exiting');
      process.exit(1);
    }, 20_000);
    timer.unref();
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0] ?? 'start';
  switch (command) {
    case 'start':
    case 'serve':
    case 'worker':
      return runServer(command);
    case 'migrate': {
      const config = loadConfig();
      const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        const applied = await migrateToLatest(database.db);
        console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The schema is up to date.');
      } finally {
        await database.close();
      }
      return;
    }
    case 'create-org': {
      const { values } = parseArgs({
        args: argv.slice(1),
        options: {
          name: { type: 'string' },
          'admin-email': { type: 'string' },
          'admin-password': { type: 'string' },
        },
      });
      if (values['admin-password'] !== undefined) {
        throw new Error(
          'create-org does not take the password on the command line (the process list and shell history would show it). ' +
            'Set USHER_NEW_ADMIN_PASSWORD, or leave it unset to be asked for it.',
        );
      }
      if (!values.name || !values['admin-email']) {
        throw new Error(`create-org needs --name and --admin-email.\n\n${USAGE}`);
      }
      const email = values['admin-email'];
      const password = await readNewPassword(email);
      const config = loadConfig();
      const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        await migrateToLatest(database.db);
        const created = await transaction(database.db, (trx) =>
          createOrganizationWithAdmin(
            trx,
            { organizationName: values.name ?? '', email, password },
            { ip: null, userAgent: null, via: 'command line' },
          ),
        );
        console.log(`Created organization ${created.organizationId} with system admin ${email}.`);
      } finally {
        await database.close();
      }
      return;
    }
    case 'help':
    case '--help':
      console.log(USAGE);
      return;
    default:
      throw new Error(`Unknown command "${command}".\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error(error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
