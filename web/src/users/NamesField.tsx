import { ComboBox, Flex, Item, TextField } from '@adobe/react-spectrum';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ChosenNames } from '../components/GroupsField.tsx';
import { splitNames } from './labels.ts';

interface NamesFieldProps {
  label: string;
  /** The chosen names. */
  value: string[];
  onChange: (names: string[]) => void;
  /** Names to choose from; null = type them as a comma-separated list (no list to pick from). */
  options: string[] | null;
  description?: string;
  errorMessage?: string;
  isDisabled?: boolean;
  testId: string;
}

/**
 * A set of names (product profiles, user groups): picked one by one from a list and shown as
 * removable tags, or typed as a comma-separated list when there is no list to pick from.
 */
export function NamesField({
  label,
  value,
  onChange,
  options,
  description,
  errorMessage,
  isDisabled,
  testId,
}: NamesFieldProps) {
  const { t } = useTranslation();
  const [text, setText] = useState(value.join(', '));
  const [input, setInput] = useState('');

  if (options === null) {
    return (
      <TextField
        label={label}
        description={description ?? t('users.namesHint')}
        value={text}
        onChange={(next) => {
          setText(next);
          onChange(splitNames(next));
        }}
        isDisabled={isDisabled}
        validationState={errorMessage ? 'invalid' : undefined}
        errorMessage={errorMessage}
        width="100%"
        data-testid={testId}
      />
    );
  }

  const chosen = new Set(value.map((name) => name.toLowerCase()));
  const items = options.filter((name) => !chosen.has(name.toLowerCase())).map((name) => ({ id: name, name }));
  const filtered = items.filter((item) => item.name.toLowerCase().includes(input.trim().toLowerCase()));
  return (
    <Flex direction="column" gap="size-100" width="100%">
      <ComboBox
        label={label}
        description={description}
        items={filtered}
        inputValue={input}
        onInputChange={setInput}
        selectedKey={null}
        onSelectionChange={(key) => {
          if (typeof key === 'string' && key) {
            onChange([...value, key]);
            setInput('');
          }
        }}
        menuTrigger="focus"
        isDisabled={isDisabled}
        validationState={errorMessage ? 'invalid' : undefined}
        errorMessage={errorMessage}
        width="100%"
        data-testid={testId}
      >
        {(item) => <Item key={item.id}>{item.name}</Item>}
      </ComboBox>
      <ChosenNames label={label} value={value} onChange={onChange} testId={testId} />
    </Flex>
  );
}
