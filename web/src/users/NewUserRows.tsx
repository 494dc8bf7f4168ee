import { ActionButton, Flex, Text, TextField, View } from '@adobe/react-spectrum';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LIMITS } from '../../../shared/contracts.ts';
import type { ServerErrors } from '../components/useServerErrors.ts';

/** A new user typed into a form: e-mail and optional names (a form may add fields). */
export interface NewUserRow {
  email: string;
  firstName: string;
  lastName: string;
}

/** The field problems of a row are named `rows.<index>.<field>`. */
const rowField = (index: number, field: string) => `rows.${index}.${field}`;

/**
 * The rows of new users of a form: `setRow` changes one (and forgets its fields' problems),
 * `removeRow` drops one (and the last failure, whose row numbers no longer match), and `fields`
 * names every row field, for the problems not shown beside a field.
 */
export function useNewUserRows<R extends NewUserRow>(initial: R[], errors: Pick<ServerErrors, 'edited' | 'reset'>) {
  const [rows, setRows] = useState<R[]>(initial);
  const setRow = (index: number, patch: Partial<R>) => {
    setRows((current) => current.map((row, at) => (at === index ? { ...row, ...patch } : row)));
    for (const field of Object.keys(patch)) {
      errors.edited(rowField(index, field));
    }
  };
  const removeRow = (index: number) => {
    setRows((current) => current.filter((_, at) => at !== index));
    errors.reset();
  };
  const addRow = (row: R) => setRows((current) => [...current, row]);
  const fields = (names: readonly string[]) => rows.flatMap((_, index) => names.map((field) => rowField(index, field)));
  /** The indexes of the rows with an e-mail (empty rows are left out of the request). */
  const filled = rows.map((row, index) => (row.email.trim() ? index : -1)).filter((index) => index >= 0);
  return { rows, setRow, removeRow, addRow, fields, filled };
}

/** A row as the API takes a new user: trimmed, the names only when given. */
export function newUserOf(row: NewUserRow) {
  return {
    email: row.email.trim(),
    ...(row.firstName.trim() ? { firstName: row.firstName.trim() } : {}),
    ...(row.lastName.trim() ? { lastName: row.lastName.trim() } : {}),
  };
}

interface NewUserRowsProps<R extends NewUserRow> {
  rows: R[];
  setRow: (index: number, patch: Partial<R>) => void;
  removeRow: (index: number) => void;
  problem: (field: string) => string | undefined;
  /** Test ids: `<testId>-row-<n>`, `-email-<n>`, `-first-<n>`, `-last-<n>`, `-remove-row-<n>`. */
  testId: string;
  /** Whether every row needs its e-mail (else only the first one, which cannot be removed). */
  everyRowRequired: boolean;
  /** A further column after the names (the country): its heading and each row's field. */
  extra?: { label: string; field: (row: R, index: number) => ReactNode };
}

/** The column headings and one line of fields per new user, each with its remove button. */
export function NewUserRows<R extends NewUserRow>(props: NewUserRowsProps<R>) {
  const { t } = useTranslation();
  const { rows, setRow, problem, testId, extra } = props;
  if (rows.length === 0) {
    return null;
  }
  return (
    <>
      <Flex gap="size-100" aria-hidden>
        <Text flex={3} UNSAFE_className="usher-column-label">
          {t('users.field.email')}
        </Text>
        <Text flex={2} UNSAFE_className="usher-column-label">
          {t('users.field.firstName')}
        </Text>
        <Text flex={2} UNSAFE_className="usher-column-label">
          {t('users.field.lastName')}
        </Text>
        {extra && (
          <Text flex={2} UNSAFE_className="usher-column-label">
            {extra.label}
          </Text>
        )}
        <View width="size-400" />
      </Flex>
      {rows.map((row, index) => {
        const emailError = problem(rowField(index, 'email'));
        const firstError = problem(rowField(index, 'firstName'));
        const lastError = problem(rowField(index, 'lastName'));
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position.
          <Flex key={index} gap="size-100" alignItems="start" data-testid={`${testId}-row-${index}`}>
            <TextField
              aria-label={t('users.add.emailOf', { n: index + 1 })}
              type="email"
              value={row.email}
              onChange={(email) => setRow(index, { email } as Partial<R>)}
              isRequired={props.everyRowRequired || index === 0}
              maxLength={LIMITS.emailMax}
              validationState={emailError ? 'invalid' : undefined}
              errorMessage={emailError}
              autoFocus={index === rows.length - 1}
              flex={3}
              data-testid={`${testId}-email-${index}`}
            />
            <TextField
              aria-label={t('users.add.firstNameOf', { n: index + 1 })}
              value={row.firstName}
              onChange={(firstName) => setRow(index, { firstName } as Partial<R>)}
              maxLength={LIMITS.nameMax}
              validationState={firstError ? 'invalid' : undefined}
              errorMessage={firstError}
              flex={2}
              data-testid={`${testId}-first-${index}`}
            />
            <TextField
              aria-label={t('users.add.lastNameOf', { n: index + 1 })}
              value={row.lastName}
              onChange={(lastName) => setRow(index, { lastName } as Partial<R>)}
              maxLength={LIMITS.nameMax}
              validationState={lastError ? 'invalid' : undefined}
              errorMessage={lastError}
              flex={2}
              data-testid={`${testId}-last-${index}`}
            />
            {extra && <View flex={2}>{extra.field(row, index)}</View>}
            <ActionButton
              isQuiet
              aria-label={t('users.add.removeRow', { n: index + 1 })}
              isDisabled={!props.everyRowRequired && rows.length === 1}
              onPress={() => props.removeRow(index)}
              data-testid={`${testId}-remove-row-${index}`}
            >
              ✕
            </ActionButton>
          </Flex>
        );
      })}
    </>
  );
}
