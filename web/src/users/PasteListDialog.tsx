import {
  Button,
  Checkbox,
  Flex,
  Form,
  Text,
  TextArea,
  TextField,
  useDialogContainer,
  useNumberFormatter,
} from '@adobe/react-spectrum';
import type { TFunction } from 'i18next';
import { type FormEvent, memo, useCallback, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LIMITS } from '../../../shared/contracts.ts';
import { ApiError, api } from '../api.ts';
import { DialogFrame } from '../components/DialogFrame.tsx';
import { FormError } from '../components/FormError.tsx';
import { useCan } from '../session.tsx';
import type { PastePreview, User } from '../types.ts';
import { identityTypeKey, problemsByField } from './labels.ts';
import { mailboxOf, PASTE_MAX, type ReviewRow, type RowProblem, reviewProblems, toReviewRows } from './paste.ts';

const FORM_ID = 'paste-list';

function problemText(t: TFunction, problem: RowProblem, max: string): string {
  switch (problem.problem) {
    case 'not_an_email':
      return t('users.paste.problem.notAnEmail');
    case 'duplicate':
      return t('users.paste.problem.duplicate', { line: problem.line ?? '?' });
    case 'too_many':
      return t('users.paste.problem.tooMany', { max });
    case 'already_exists':
      return t('users.paste.problem.alreadyExists');
  }
}

interface ReviewLineProps {
  index: number;
  row: ReviewRow;
  /** The line's problem or the server's refusal of it, in words; null when it will be added. */
  message: string | null;
  onEmail: (index: number, email: string) => void;
  onAlias: (index: number, alias: string) => void;
}

/** One line of the review: its number, e-mail and alias (editable), identity type, and problem. */
const ReviewLine = memo(function ReviewLine({ index, row, message, onEmail, onAlias }: ReviewLineProps) {
  const { t } = useTranslation();
  const locked = row.serverProblem === 'too_many';
  return (
    <tr className={message ? 'usher-review-problem' : undefined} data-testid={`paste-row-${row.line}`}>
      <td className="usher-review-line">{row.line}</td>
      <td>
        <TextField
          aria-label={t('users.paste.emailOnLine', { line: row.line })}
          value={row.email}
          onChange={(value) => onEmail(index, value)}
          isReadOnly={locked}
          maxLength={LIMITS.emailMax}
          validationState={message ? 'invalid' : undefined}
          width="100%"
          data-testid={`paste-email-${row.line}`}
        />
      </td>
      <td>
        <TextField
          aria-label={t('users.paste.aliasOnLine', { line: row.line })}
          value={row.alias}
          onChange={(value) => onAlias(index, value)}
          isReadOnly={locked}
          maxLength={LIMITS.nameMax}
          width="100%"
          data-testid={`paste-alias-${row.line}`}
        />
      </td>
      <td>
        {row.identityType && !message && row.email.trim() === row.checkedEmail
          ? t(identityTypeKey(row.identityType))
          : ''}
      </td>
      <td className="usher-review-message" data-testid={`paste-message-${row.line}`}>
        {message ?? t('users.paste.ok')}
      </td>
    </tr>
  );
});

/**
 * Paste a list (up to 1,000 e-mails, one a line) → the server checks it without adding anyone →
 * a review table where e-mails and aliases can be corrected and problem lines say what is wrong →
 * "Send instructions" or "Don't send" adds the good lines.
 */
export function PasteListDialog({ onAdded }: { onAdded: (users: User[]) => void }) {
  const { t } = useTranslation();
  const can = useCan();
  const { dismiss } = useDialogContainer();
  const formatNumber = useNumberFormatter();
  const max = formatNumber.format(PASTE_MAX);
  const [text, setText] = useState('');
  const [rows, setRows] = useState<ReviewRow[] | null>(null);
  const [onlyProblems, setOnlyProblems] = useState(false);
  const [error, setError] = useState<unknown>(null);
  /** Row index → the server's refusal of it when adding (e.g. it became a user meanwhile). */
  const [refused, setRefused] = useState<Map<number, string>>(new Map());
  /** Refusals that name no line, as `field: message`. */
  const [unplaced, setUnplaced] = useState<string[]>([]);
  const [pending, setPending] = useState<'check' | 'send' | 'dontSend' | null>(null);

  const lineCount = text.split(/\r?\n/).filter((line) => line.trim()).length;

  const check = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!text.trim()) {
      return;
    }
    setError(null);
    setUnplaced([]);
    setPending('check');
    api
      .post<PastePreview>('/api/v1/users/paste-preview', { text })
      .then((answer) => {
        setRows(toReviewRows(answer.rows));
        setRefused(new Map());
      })
      .catch((caught: unknown) => setError(caught))
      .finally(() => setPending(null));
  };

  const edit = useCallback((index: number, patch: (row: ReviewRow) => Partial<ReviewRow>) => {
    setRows((current) => (current ? current.map((row, at) => (at === index ? { ...row, ...patch(row) } : row)) : null));
    setRefused((current) => {
      if (!current.has(index)) {
        return current;
      }
      const next = new Map(current);
      next.delete(index);
      return next;
    });
  }, []);
  const onEmail = useCallback(
    (index: number, email: string) =>
      edit(index, (row) => ({ email, ...(row.aliasEdited ? {} : { alias: mailboxOf(email.trim()) }) })),
    [edit],
  );
  const onAlias = useCallback(
    (index: number, alias: string) => edit(index, () => ({ alias, aliasEdited: true })),
    [edit],
  );

  const problems = useMemo(() => (rows ? reviewProblems(rows) : []), [rows]);
  const accepted = rows ? rows.filter((_, index) => problems[index] === null) : [];
  const problemCount = rows ? rows.length - accepted.length : 0;

  const add = (sendInstructions: boolean) => {
    if (!rows || accepted.length === 0) {
      return;
    }
    setError(null);
    setUnplaced([]);
    setPending(sendInstructions ? 'send' : 'dontSend');
    const acceptedIndexes = rows.map((_, index) => index).filter((index) => problems[index] === null);
    const users = accepted.map((row) => ({
      email: row.email.trim(),
      ...(row.alias.trim() ? { alias: row.alias.trim() } : {}),
    }));
    api
      .post<{ items: User[] }>('/api/v1/users', { users, sendInstructions })
      .then((answer) => {
        onAdded(answer.items);
        dismiss();
      })
      .catch((caught: unknown) => {
        setError(caught);
        if (caught instanceof ApiError) {
          const byField = problemsByField(caught.errors);
          const lines = new Map<number, string>();
          const rest: string[] = [];
          for (const [field, message] of byField) {
            const match = /^users\.(\d+)(?:\.|$)/.exec(field);
            const index = match ? acceptedIndexes[Number(match[1])] : undefined;
            if (index !== undefined) {
              lines.set(index, lines.has(index) ? `${lines.get(index)}; ${message}` : message);
            } else {
              rest.push(`${field}: ${message}`);
            }
          }
          setRefused(lines);
          setUnplaced(rest);
        }
        setPending(null);
      });
  };

  const messageOf = (index: number): string | null => {
    const problem = problems[index];
    if (problem) {
      return problemText(t, problem, max);
    }
    return refused.get(index) ?? null;
  };

  return (
    <DialogFrame
      size="L"
      width="min(1100px, 92vw)"
      testId="paste-dialog"
      title={t('users.paste.title')}
      dismissDisabled={pending !== null}
      buttons={
        rows === null ? (
          <Button
            variant="accent"
            type="submit"
            form={FORM_ID}
            isPending={pending === 'check'}
            isDisabled={!text.trim()}
            data-testid="paste-check"
          >
            {t('users.paste.check')}
          </Button>
        ) : (
          <>
            <Button
              variant="secondary"
              onPress={() => {
                setRows(null);
                setError(null);
              }}
              isDisabled={pending !== null}
              data-testid="paste-back"
            >
              {t('users.paste.back')}
            </Button>
            <Button
              variant="primary"
              onPress={() => add(false)}
              isPending={pending === 'dontSend'}
              isDisabled={accepted.length === 0 || (pending !== null && pending !== 'dontSend')}
              data-testid="paste-dont-send"
            >
              {t('users.paste.dontSend')}
            </Button>
            {can('instructions.send') && (
              <Button
                variant="accent"
                onPress={() => add(true)}
                isPending={pending === 'send'}
                isDisabled={accepted.length === 0 || (pending !== null && pending !== 'send')}
                data-testid="paste-send"
              >
                {t('users.paste.send')}
              </Button>
            )}
          </>
        )
      }
    >
      {error !== null && (
        <FormError title={t('users.paste.failed')} error={error} rest={unplaced} testId="paste-error" />
      )}
      {rows === null ? (
        <Form id={FORM_ID} onSubmit={check} aria-label={t('users.paste.title')}>
          <TextArea
            label={t('users.paste.label')}
            description={t('users.paste.hint', { max, n: formatNumber.format(lineCount) })}
            value={text}
            onChange={setText}
            isRequired
            autoFocus
            width="100%"
            height="size-3600"
            data-testid="paste-text"
          />
        </Form>
      ) : (
        <Flex direction="column" gap="size-150">
          <Text data-testid="paste-summary">
            {t('users.paste.summary', {
              accepted: formatNumber.format(accepted.length),
              total: formatNumber.format(rows.length),
              problems: formatNumber.format(problemCount),
            })}
          </Text>
          {problemCount > 0 && (
            <Checkbox isSelected={onlyProblems} onChange={setOnlyProblems} data-testid="paste-only-problems">
              {t('users.paste.onlyProblems')}
            </Checkbox>
          )}
          <div className="usher-review">
            <table>
              <thead>
                <tr>
                  <th scope="col" className="usher-review-line">
                    {t('users.paste.column.line')}
                  </th>
                  <th scope="col" className="usher-review-email">
                    {t('users.paste.column.email')}
                  </th>
                  <th scope="col" className="usher-review-alias">
                    {t('users.paste.column.alias')}
                  </th>
                  <th scope="col" className="usher-review-type">
                    {t('users.paste.column.identityType')}
                  </th>
                  <th scope="col">{t('users.paste.column.message')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row, index) => {
                  const message = messageOf(index);
                  if (onlyProblems && message === null) {
                    return null;
                  }
                  return (
                    <ReviewLine
                      // biome-ignore lint/suspicious/noArrayIndexKey: a line copied from a mail program can hold several addresses; the rows keep their order.
                      key={index}
                      index={index}
                      row={row}
                      message={message}
                      onEmail={onEmail}
                      onAlias={onAlias}
                    />
                  );
                })}
              </tbody>
            </table>
          </div>
        </Flex>
      )}
    </DialogFrame>
  );
}
