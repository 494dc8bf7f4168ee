import { useTranslation } from 'react-i18next';
import type { User } from '../types.ts';
import { fullName } from '../users/labels.ts';
import { type PickerOption, SearchPicker } from './SearchPicker.tsx';

/** How a user is named in pickers and tags: "First Last · e-mail", or the e-mail alone. */
export function userLabel(user: Pick<User, 'email' | 'firstName' | 'lastName'>): string {
  const name = fullName(user);
  return name ? `${name} · ${user.email}` : user.email;
}

interface UserSearchPickerProps {
  label: string;
  description?: string;
  /** Users not to offer (already chosen, already admins, the user being removed). */
  excludeIds: ReadonlySet<string>;
  /**
   * The chosen user, kept in the field; leave it out to add users one at a time (the field empties
   * after each choice).
   */
  selected?: PickerOption | null;
  onChoose: (user: User | null) => void;
  isDisabled?: boolean;
  isRequired?: boolean;
  errorMessage?: string;
  testId: string;
}

/** Searches the organization's users (not removed ones) by name or e-mail and chooses one. */
export function UserSearchPicker({ excludeIds, ...props }: UserSearchPickerProps) {
  const { t } = useTranslation();
  return (
    <SearchPicker<User>
      {...props}
      path="/api/v1/users"
      searchFailedText={t('groups.people.searchFailed')}
      toOption={(user) =>
        user.status === 'removed' || excludeIds.has(user.id) ? null : { id: user.id, label: userLabel(user) }
      }
    />
  );
}
