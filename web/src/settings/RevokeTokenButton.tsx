import { ActionButton, AlertDialog, DialogTrigger } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import type { ApiToken } from '../types.ts';

/** "Revoke", confirmed in an alert dialog. */
export function RevokeTokenButton({ token, onConfirm }: { token: ApiToken; onConfirm: () => void }) {
  const { t } = useTranslation();
  return (
    <DialogTrigger>
      <ActionButton
        isQuiet
        data-testid="token-revoke"
        aria-label={t('settings.tokens.revokeNamed', { name: token.name })}
      >
        {t('settings.tokens.revoke')}
      </ActionButton>
      <AlertDialog
        variant="destructive"
        title={t('settings.tokens.revokeTitle')}
        primaryActionLabel={t('settings.tokens.revoke')}
        cancelLabel={t('common.cancel')}
        onPrimaryAction={onConfirm}
        data-testid="token-revoke-dialog"
      >
        {t('settings.tokens.revokeText', { name: token.name })}
      </AlertDialog>
    </DialogTrigger>
  );
}
