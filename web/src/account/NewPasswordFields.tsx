import { TextField } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import { LIMITS } from '../../../shared/contracts.ts';

/** Whether the repeated password (once typed) differs from the new one: the form is not sent. */
export function passwordsDiffer(password: string, repeat: string): boolean {
  return repeat !== '' && repeat !== password;
}

interface NewPasswordFieldsProps {
  password: string;
  onPassword: (password: string) => void;
  repeat: string;
  onRepeat: (repeat: string) => void;
  autoFocus?: boolean;
}

/** A new password (with its length rule) and the same again, marked invalid while they differ. */
export function NewPasswordFields({ password, onPassword, repeat, onRepeat, autoFocus }: NewPasswordFieldsProps) {
  const { t } = useTranslation();
  const mismatch = passwordsDiffer(password, repeat);
  return (
    <>
      <TextField
        label={t('password.new')}
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={onPassword}
        minLength={LIMITS.passwordMin}
        maxLength={LIMITS.passwordMax}
        description={t('setup.passwordHint', { min: LIMITS.passwordMin })}
        isRequired
        autoFocus={autoFocus}
        data-testid="password-new"
      />
      <TextField
        label={t('password.repeat')}
        type="password"
        autoComplete="new-password"
        value={repeat}
        onChange={onRepeat}
        maxLength={LIMITS.passwordMax}
        validationState={mismatch ? 'invalid' : undefined}
        errorMessage={mismatch ? t('password.mismatch') : undefined}
        isRequired
        data-testid="password-repeat"
      />
    </>
  );
}
