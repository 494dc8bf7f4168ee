import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api.ts';
import { errorMessage } from '../errors.ts';
import { problemsByField } from '../users/labels.ts';

/** What a form knows of its last failed save. */
export interface ServerErrors {
  /** The failed call while its alert should show, else null. */
  error: unknown;
  /**
   * Records a failed call. Its field problems (paths without `body.`) are kept per field, through
   * `mapField` when the form's fields are named otherwise than the request's (null drops one).
   */
  fail: (error: unknown, mapField?: (field: string) => string | null) => void;
  /** Forgets the last failure (before a new save, or when the form changes shape). */
  reset: () => void;
  /** The field's problems not yet edited away (its own path and the paths under it), joined. */
  problem: (field: string) => string | undefined;
  /**
   * The field was edited: its problems are gone, so it is no longer invalid and the browser's
   * native validation lets the form be sent again. Call it from every field's onChange.
   */
  edited: (field: string) => void;
  /**
   * A field's change handler: sets its value and clears the server's complaint about it (`edited`).
   * @param field the field's name as the request names it
   * @param set the form's setter of the value
   */
  onEdit: <T>(field: string, set: (value: T) => void) => (value: T) => void;
  /** A Spectrum field's props for its server problem: invalid while it stands, and its message. */
  fieldProps: (field: string) => { validationState: 'invalid' | undefined; errorMessage: string | undefined };
  /**
   * Problems of fields the form does not show, as `field: message` lines for the alert.
   * @param label names a field for people (a user instead of `userIds.3`)
   */
  rest: (shown: readonly string[], label?: (field: string) => string) => string[];
}

interface State {
  error: unknown;
  problems: Map<string, string>;
  /** The failure was about fields only: once they are all edited, its alert goes too. */
  aboutFields: boolean;
}

const NONE: State = { error: null, problems: new Map(), aboutFields: false };
const NO_CODE_FIELDS: Readonly<Record<string, string>> = {};

function covers(field: string, key: string): boolean {
  return key === field || key.startsWith(`${field}.`);
}

/**
 * A form's server errors, which clear as soon as the field they name is edited. Under native
 * validation a field shown invalid blocks the submit, so an error that stayed after its field was
 * corrected would lock the form (only Cancel would get out).
 * @param codeFields error codes without field problems that still concern one field
 *   (`groups.name_taken` → `name`): shown next to that field, in the console's language
 * @returns the form's error state and the functions that move it
 */
export function useServerErrors(codeFields: Readonly<Record<string, string>> = NO_CODE_FIELDS): ServerErrors {
  const { t } = useTranslation();
  const [state, setState] = useState<State>(NONE);

  const fail = useCallback(
    (error: unknown, mapField?: (field: string) => string | null) => {
      const problems = new Map<string, string>();
      if (error instanceof ApiError) {
        for (const [field, message] of problemsByField(error.errors)) {
          const key = mapField ? mapField(field) : field;
          if (key !== null) {
            const known = problems.get(key);
            problems.set(key, known && known !== message ? `${known}; ${message}` : message);
          }
        }
        const codeField = codeFields[error.code];
        if (problems.size === 0 && codeField !== undefined) {
          problems.set(codeField, errorMessage(t, error));
        }
      }
      setState({ error, problems, aboutFields: problems.size > 0 });
    },
    [codeFields, t],
  );
  const reset = useCallback(() => setState(NONE), []);
  const edited = useCallback(
    (field: string) =>
      setState((current) => {
        const keys = [...current.problems.keys()].filter((key) => covers(field, key));
        if (keys.length === 0) {
          return current;
        }
        const problems = new Map(current.problems);
        for (const key of keys) {
          problems.delete(key);
        }
        return current.aboutFields && problems.size === 0 ? NONE : { ...current, problems };
      }),
    [],
  );
  const problem = (field: string): string | undefined => {
    const messages = [...state.problems].filter(([key]) => covers(field, key)).map(([, message]) => message);
    return messages.length > 0 ? messages.join('; ') : undefined;
  };
  const rest = (shown: readonly string[], label: (field: string) => string = (field) => field): string[] =>
    [...state.problems]
      .filter(([key]) => !shown.some((field) => covers(field, key)))
      .map(([key, message]) => `${label(key)}: ${message}`);

  const onEdit =
    <T>(field: string, set: (value: T) => void) =>
    (value: T) => {
      set(value);
      edited(field);
    };
  const fieldProps = (field: string) => {
    const message = problem(field);
    return { validationState: message ? ('invalid' as const) : undefined, errorMessage: message };
  };

  return { error: state.error, fail, reset, problem, edited, onEdit, fieldProps, rest };
}
