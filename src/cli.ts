import { parseArgs } from 'node:util';
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
  create-org   --name NAME --admin-email EMAIL --admin-password PASSWORD
               create another organization with its first system admin

Configuration is read from the environment; see README.md.`;

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
    const line = '='.repeat(72);
    process.stdout.write(
      `\n${line}\nUsher has no organization yet. Open this one-time link to create it and its first admin:\n\n  ${app.firstRun.url}\n\n(or set USHER_ADMIN_EMAIL, USHER_ADMIN_PASSWORD and USHER_ORG_NAME and restart)\n${line}\n\n`,
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
      if (!values.name || !values['admin-email'] || !values['admin-password']) {
        throw new Error(`create-org needs --name, --admin-email and --admin-password.\n\n${USAGE}`);
      }
      const config = loadConfig();
      const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        await migrateToLatest(database.db);
        const created = await transaction(database.db, (trx) =>
          createOrganizationWithAdmin(
            trx,
            {
              organizationName: values.name ?? '',
              email: values['admin-email'] ?? '',
              password: values['admin-password'] ?? '',
            },
            { ip: null, userAgent: null, via: 'command line' },
          ),
        );
        console.log(`Created organization ${created.organizationId} with system admin ${values['admin-email']}.`);
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
