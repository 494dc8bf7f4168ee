import { Item, Picker } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import { ADMIN_ROLES, type AdminRole } from '../../../shared/roles.ts';
import { roleKey } from './roles.ts';

function isRole(value: unknown): value is AdminRole {
  return typeof value === 'string' && (ADMIN_ROLES as readonly string[]).includes(value);
}

/** The admin roles to choose one of (an admin's role, an API token's or an integration's). */
export function RolePicker(props: {
  label: string;
  value: AdminRole | null;
  onChange: (role: AdminRole) => void;
  testId: string;
}) {
  const { t } = useTranslation();
  return (
    <Picker
      label={props.label}
      selectedKey={props.value}
      onSelectionChange={(key) => {
        if (isRole(key)) {
          props.onChange(key);
        }
      }}
      isRequired
      width="100%"
      data-testid={props.testId}
    >
      {ADMIN_ROLES.map((value) => (
        <Item key={value}>{t(roleKey(value))}</Item>
      ))}
    </Picker>
  );
}
