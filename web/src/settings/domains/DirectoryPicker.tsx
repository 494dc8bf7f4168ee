import { Item, Picker } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import type { Directory } from './types.ts';

/** Chooses one of the organization's directories, or none (key `none`). */
export function DirectoryPicker(props: {
  directories: Directory[];
  value: string | null;
  onChange: (directoryId: string | null) => void;
  allowNone: boolean;
  testId: string;
}) {
  const { t } = useTranslation();
  const items = [
    ...(props.allowNone ? [{ id: 'none', label: t('domains.domains.noDirectory') }] : []),
    ...props.directories.map((directory) => ({
      id: directory.id,
      label: `${directory.name} (${t(`domains.identityType.${directory.identityType}`)})`,
    })),
  ];
  return (
    <Picker
      label={t('domains.domains.directory')}
      description={t('domains.domains.directoryHint')}
      items={items}
      selectedKey={props.value ?? 'none'}
      onSelectionChange={(key) => props.onChange(key === 'none' || key === null ? null : String(key))}
      width="100%"
      data-testid={props.testId}
    >
      {(item) => <Item key={item.id}>{item.label}</Item>}
    </Picker>
  );
}
