import { ComboBox, Item } from '@adobe/react-spectrum';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, queryString } from '../api.ts';
import type { Page, User } from '../types.ts';
import { fullName } from '../users/labels.ts';
import { useDebounced } from '../users/useDebounced.ts';

/** Users offered per search. */
const SUGGESTIONS = 20;

/** How a user is named in pickers and tags: "First Last · e-mail", or the e-mail alone. */
export function userLabel(user: Pick<User, 'email' | 'firstName' | 'lastName'>): string {
  const name = fullName(user);
  return name ? `${name} · ${user.email}` : user.email;
}

interface UserSearchPickerProps {
  label: string;
  description?: string;
  /** Users not to offer (already chosen, already admins). */
  excludeIds: ReadonlySet<string>;
  onChoose: (user: User) => void;
  isDisabled?: boolean;
  errorMessage?: string;
  testId: string;
}

/** Searches the organization's users by name or e-mail and offers them to choose, one at a time. */
export function UserSearchPicker({
  label,
  description,
  excludeIds,
  onChoose,
  isDisabled,
  errorMessage,
  testId,
}: UserSearchPickerProps) {
  const { t } = useTranslation();
  const [input, setInput] = useState('');
  const search = useDebounced(input.trim(), 250);
  const [found, setFound] = useState<User[]>([]);
  const [loading, setLoading] = useState(false);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let active = true;
    setLoading(true);
    setFailed(false);
    api
      .get<Page<User>>(`/api/v1/users${queryString({ search: search || undefined, limit: String(SUGGESTIONS) })}`)
      .then((page) => {
        if (active) {
          setFound(page.items);
        }
      })
      .catch(() => {
        if (active) {
          setFound([]);
          setFailed(true);
        }
      })
      .finally(() => {
        if (active) {
          setLoading(false);
        }
      });
    return () => {
      active = false;
    };
  }, [search]);

  const items = found
    .filter((user) => user.status !== 'removed' && !excludeIds.has(user.id))
    .map((user) => ({ id: user.id, label: userLabel(user) }));
  return (
    <ComboBox
      label={label}
      description={failed ? t('groups.people.searchFailed') : description}
      items={items}
      inputValue={input}
      onInputChange={setInput}
      selectedKey={null}
      onSelectionChange={(key) => {
        const user = found.find((candidate) => candidate.id === key);
        if (user) {
          onChoose(user);
          setInput('');
        }
      }}
      loadingState={loading ? 'loading' : 'idle'}
      menuTrigger="focus"
      isDisabled={isDisabled}
      validationState={errorMessage ? 'invalid' : undefined}
      errorMessage={errorMessage}
      width="100%"
      data-testid={testId}
    >
      {(item) => <Item key={item.id}>{item.label}</Item>}
    </ComboBox>
  );
}
