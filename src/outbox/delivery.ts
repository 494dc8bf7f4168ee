import { sql } from 'kysely';
import nodemailer from 'nodemailer';
import type { AppContext } from '../context.ts';
import type { Executor } from '../db/database.ts';
import { inBackground } from '../db/mutex.ts';
import { renderMail } from '../mail/render.ts';

/** Messages claimed per round; each round's lease covers their worst-case send time. */
const CLAIM_BATCH = 10;
/**
 * How long a claim holds a message. A worker that dies between claiming and marking leaves the
 * message `sending`; when the lease passes another worker claims it again (at-least-once).
 */
export const LEASE_SECONDS = 15 * 60;
/** After this many failed attempts a message is marked failed (about two days of retries). */
export const MAX_ATTEMPTS = 12;
const FIRST_RETRY_SECONDS = 30;
const MAX_RETRY_SECONDS = 6 * 3600;

/**
 * Seconds to wait before the next attempt: 30 s doubling per attempt, at most 6 hours.
 * @param attempts attempts made so far (1 after the first failure)
 * @returns the delay in seconds
 */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(FIRST_RETRY_SECONDS * 2 ** Math.max(0, attempts - 1), MAX_RETRY_SECONDS);
}

/** A backlog larger than this is held before its first delivery (see `heldBacklogs`). */
export const BACKLOG_HOLD_MESSAGES = 100;

/**
 * Kinds never held with a backlog: a person waits for them now (a password reset, a notice of
 * blocked sign-ins), and they are never part of a mass send. Invitations come with welcome
 * e-mails, which a backlog does hold.
 */
export const NEVER_HELD_KINDS = ['password_reset', 'sign_in_throttled'];

/**
 * The organizations whose outbox backlog is held, as SQL (`organization_id`, `released_at`,
 * `oldest`). An organization's backlog is its queued messages never attempted and created after
 * its last "Send all" (`organizations.outbox_released_at`). It is held when it has more than
 * BACKLOG_HOLD_MESSAGES messages and either the oldest is more than a day old (the sender was not
 * running) or the organization never had a message sent (SMTP not yet configured): such a backlog
 * waits for an administrator's "Send all" or "Discard all". Messages retried after a failure, and
 * bursts of an organization already sending, are never held. Each organization reads at most
 * BACKLOG_HOLD_MESSAGES + 1 of its oldest queued rows (by its status index), so the claim stays
 * cheap however large a fan-out is queued. NEVER_HELD_KINDS are neither counted nor held.
 */
export const heldBacklogs = sql`
  select o.id as organization_id, o.outbox_released_at as released_at, b.oldest
  from organizations o
  cross join lateral (
    select count(*)::int as messages, min(q.created_at) as oldest from (
      select m.created_at from outbox_messages m
      where m.organization_id = o.id and m.status = 'queued' and m.attempts = 0
        and m.created_at > coalesce(o.outbox_released_at, '-infinity'::timestamptz)
        and m.kind <> all(${NEVER_HELD_KINDS}::text[])
      order by m.created_at
      limit ${BACKLOG_HOLD_MESSAGES + 1}
    ) q
  ) b
  where b.messages > ${BACKLOG_HOLD_MESSAGES}
    and (b.oldest < now() - interval '1 day'
      or not exists (select 1 from outbox_messages s where s.organization_id = o.id and s.status = 'sent'
        and s.kind <> all(${NEVER_HELD_KINDS}::text[])))`;

/** A claimed message with what rendering it needs. */
interface ClaimedMessage {
  id: string;
  organization_id: string;
  kind: string;
  to_address: string;
  locale: string;
  data: Record<string, unknown>;
  attempts: number;
  organization_name: string;
  first_name: string | null;
}

/**
 * Claims due messages for this worker: queued ones whose time has come, and `sending` ones whose
 * lease has passed (their worker died); never the messages of a held backlog. `FOR UPDATE SKIP LOCKED` lets any number of workers claim
 * at once without two of them taking the same message; the claim commits before anything is sent.
 * @param db database
 * @param limit most messages to claim
 * @returns the claimed messages, with attempts already counted
 */
export async function claimDueMessages(db: Executor, limit = CLAIM_BATCH): Promise<ClaimedMessage[]> {
  const claimed = await sql<ClaimedMessage>`
    with held as (${heldBacklogs}), due as (
      select id from outbox_messages d
      where status in ('queued', 'sending') and next_attempt_at <= now()
        and not exists (
          select 1 from held h
          where h.organization_id = d.organization_id and d.status = 'queued' and d.attempts = 0
            and d.created_at > coalesce(h.released_at, '-infinity'::timestamptz)
            and d.kind <> all(${NEVER_HELD_KINDS}::text[]))
      order by next_attempt_at
      limit ${limit}
      for update skip locked
    ), claimed as (
      update outbox_messages m
      set status = 'sending', attempts = m.attempts + 1,
        next_attempt_at = now() + make_interval(secs => ${LEASE_SECONDS})
      from due where m.id = due.id
      returning m.id, m.organization_id, m.kind, m.user_id, m.to_address, m.locale, m.data, m.attempts
    )
    select c.id, c.organization_id, c.kind, c.to_address, c.locale, c.data, c.attempts,
      o.name as organization_name, u.first_name
    from claimed c
    join organizations o on o.id = c.organization_id
    left join users u on u.organization_id = c.organization_id and u.id = c.user_id`.execute(db);
  return claimed.rows;
}

/** What an SMTP failure means for the message. */
export interface DeliveryFailure {
  permanent: boolean;
  message: string;
}

/**
 * Classifies an error of nodemailer: a 5xx answer to the recipient or the message itself (the
 * server refused this address or this content) is permanent; connection problems, timeouts,
 * 4xx answers and refusals of the whole session (authentication, sender) are retried.
 * @param error what `sendMail` threw
 * @returns whether it is permanent, and the SMTP error as text for the outbox page
 */
export function classifyFailure(error: unknown): DeliveryFailure {
  const failure = error as { message?: string; code?: string; responseCode?: number; command?: string };
  const message = (failure.message ?? String(error)).slice(0, 1000);
  const refusedRecipient =
    typeof failure.responseCode === 'number' &&
    failure.responseCode >= 500 &&
    (failure.code === 'EENVELOPE' || failure.code === 'EMESSAGE' || /^(RCPT TO|DATA)/i.test(failure.command ?? ''));
  return { permanent: refusedRecipient, message };
}

/** Marks a claimed message sent, if this worker still holds its claim, and drops its secret. */
async function markSent(db: Executor, message: ClaimedMessage): Promise<void> {
  await sql`
    update outbox_messages
    set status = 'sent', sent_at = now(), last_error = null, data = data - 'token'
    where id = ${message.id} and status = 'sending' and attempts = ${message.attempts}`.execute(db);
}

async function markFailed(db: Executor, message: ClaimedMessage, failure: DeliveryFailure): Promise<void> {
  const giveUp = failure.permanent || message.attempts >= MAX_ATTEMPTS;
  await sql`
    update outbox_messages
    set status = ${giveUp ? 'failed' : 'queued'}, last_error = ${failure.message},
      next_attempt_at = ${giveUp ? sql`now()` : sql`now() + make_interval(secs => ${retryDelaySeconds(message.attempts)})`}
    where id = ${message.id} and status = 'sending' and attempts = ${message.attempts}`.execute(db);
}

/** What one delivery run did. */
export interface DeliveryReport {
  sent: number;
  retrying: number;
  failed: number;
}

/**
 * Sends due outbox messages over SMTP_URL until none is due (or `maxRounds` claims were made).
 * Each message is claimed (committed as `sending` with a lease), rendered, handed to the SMTP
 * server, then marked `sent`, or given back with the error and an exponential backoff, or marked
 * `failed` for a permanent refusal. Without SMTP_URL nothing is sent: messages stay queued.
 *
 * The at-most-once window: if the process dies after the SMTP server accepted a message and
 * before it is marked sent, the message is sent again when its lease passes. Nothing else sends
 * a message twice, and nothing loses one.
 * @param ctx the app (configuration and database)
 * @param options `maxRounds` bounds one run
 * @returns counts of sent, retrying and failed messages
 */
export async function deliverDueMessages(
  ctx: AppContext,
  options: { maxRounds?: number } = {},
): Promise<DeliveryReport> {
  const report: DeliveryReport = { sent: 0, retrying: 0, failed: 0 };
  const smtpUrl = ctx.config.smtpUrl;
  if (!smtpUrl) {
    return report;
  }
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: 1,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  try {
    for (let round = 0; round < (options.maxRounds ?? 100); round++) {
      const batch = await claimDueMessages(ctx.db);
      if (batch.length === 0) {
        break;
      }
      for (const message of batch) {
        let rendered: ReturnType<typeof renderMail>;
        try {
          rendered = renderMail({
            kind: message.kind,
            locale: message.locale,
            data: message.data ?? {},
            organizationName: message.organization_name,
            recipientName: message.first_name,
            publicUrl: ctx.config.publicUrl,
          });
        } catch (error) {
          // A message that cannot be rendered will not render on a retry either.
          await markFailed(ctx.db, message, { permanent: true, message: `Cannot render: ${String(error)}` });
          report.failed++;
          continue;
        }
        try {
          await transport.sendMail({
            from: ctx.config.mailFrom,
            to: message.to_address,
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            headers: { 'X-Usher-Message-Id': message.id },
          });
          await markSent(ctx.db, message);
          report.sent++;
        } catch (error) {
          const failure = classifyFailure(error);
          await markFailed(ctx.db, message, failure);
          if (failure.permanent || message.attempts >= MAX_ATTEMPTS) {
            report.failed++;
          } else {
            report.retrying++;
          }
        }
      }
    }
  } finally {
    transport.close();
  }
  return report;
}

/**
 * Starts this worker's outbox loop: every USHER_OUTBOX_POLL_SECONDS it sends what is due. Runs
 * only with SMTP_URL and a non-zero interval; several workers may run it at once.
 * @param ctx the app
 * @param onError where errors of a run go (the next run tries again)
 * @returns a function that stops the loop and waits for the run in progress
 */
export function startOutboxPoller(ctx: AppContext, onError: (error: unknown) => void): () => Promise<void> {
  const seconds = ctx.config.outboxPollSeconds;
  if (!ctx.config.smtpUrl || seconds === 0) {
    return async () => {};
  }
  let running: Promise<void> | null = null;
  let stopped = false;
  const timer = setInterval(() => {
    // One run at a time per process; a slow run is not stacked up behind.
    if (stopped || running) {
      return;
    }
    // Sending gives way to requests on the embedded database (see ConnectionLock).
    running = inBackground(() => deliverDueMessages(ctx))
      .then(() => {}, onError)
      .finally(() => {
        running = null;
      });
  }, seconds * 1000);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
