import { StatusLight } from '@adobe/react-spectrum';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { TextCell } from '../components/ItemsTable.tsx';
import type { User } from '../types.ts';
import { fullName, identityTypeKey, statusKey, statusVariant } from './labels.ts';

/** The columns every list of users shows (the users page, a group's members). */
export type UserColumn = 'name' | 'email' | 'identityType' | 'status';

/**
 * A users list's cells of the common columns: the text (for screen readers and type-ahead) and
 * what the cell shows (the status as a status light).
 * @returns `cellText` and `cell` for an ItemsTable's user columns
 */
export function useUserCells() {
  const { t } = useTranslation();
  const cellText = (user: User, key: UserColumn): string => {
    switch (key) {
      case 'name':
        return fullName(user) ?? user.alias;
      case 'email':
        return user.email;
      case 'identityType':
        return t(identityTypeKey(user.identityType));
      case 'status':
        return user.contentPending ? t('users.status.inactive') : t(statusKey(user.status));
    }
  };
  const cell = (user: User, key: UserColumn): ReactNode => {
    const text = cellText(user, key);
    return key === 'status' ? (
      <StatusLight variant={statusVariant(user.status)}>{text}</StatusLight>
    ) : (
      <TextCell text={text} column={key} />
    );
  };
  return { cellText, cell };
}
