import { TextField } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import { LIMITS } from '../../../shared/contracts.ts';

interface FieldProps {
  value: string;
  onChange: (value: string) => void;
  testId: string;
}

/** A new credential's name (an API token's, a SCIM token's, an integration's), focused first. */
export function CredentialNameField({ description, ...props }: FieldProps & { description: string }) {
  const { t } = useTranslation();
  return (
    <TextField
      label={t('settings.tokens.name')}
      description={description}
      value={props.value}
      onChange={props.onChange}
      isRequired
      maxLength={LIMITS.tokenNameMax}
      autoFocus
      width="100%"
      data-testid={props.testId}
    />
  );
}

/** The admin's own password again, which the server asks before it creates a system-admin credential. */
export function PasswordAgainField(props: FieldProps) {
  const { t } = useTranslation();
  return (
    <TextField
      label={t('settings.tokens.password')}
      description={t('settings.tokens.passwordHint')}
      type="password"
      autoComplete="current-password"
      value={props.value}
      onChange={props.onChange}
      isRequired
      maxLength={LIMITS.passwordMax}
      width="100%"
      data-testid={props.testId}
    />
  );
}
