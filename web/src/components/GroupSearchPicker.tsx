import { ComboBox, Item } from '@adobe/react-spectrum';
import { type Key, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, queryString } from '../api.ts';
import type { Group, Page } from '../types.ts';
import { useDebounced } from '../users/useDebounced.ts';

/** Groups offered per search. */
const SUGGESTIONS = 20;

interface GroupSearchPickerProps {
  label: string;
  description?: string;
  selected: { id: string; name: string } | null;
  onChange: (group: { id: string; name: string } | null) => void;
  errorMessage?: string;
  /** Whether a group must be chosen (default true). */
  isRequired?: boolean;
  testId: string;
}

/** Searches the organization's user groups by name and chooses one. */
export function GroupSearchPicker({
  label,
  description,
  selected,
  onChange,
  errorMessage,
  isRequired = true,
  testId,
}: GroupSearchPickerProps) {
  const { t } = useTranslation();
  const [input, setInput] = useState(selected?.name ?? '');
  const typed = input.trim() === (selected?.name ?? '') ? '' : input.trim();
  const search = useDebounced(typed, 250);
  const [found, setFound] = useState<Group[]>([]);
  const [loading, setLoading] = useState(false);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let active = true;
    setLoading(true);
    setFailed(false);
    api
      .get<Page<Group>>(`/api/v1/groups${queryString({ search: search || undefined, limit: String(SUGGESTIONS) })}`)
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

  const items = found.map((group) => ({ id: group.id, name: group.name }));
  if (selected && !items.some((item) => item.id === selected.id)) {
    items.unshift(selected);
  }
  const choose = (key: Key | null) => {
    const group = items.find((candidate) => candidate.id === key) ?? null;
    onChange(group);
    setInput(group?.name ?? '');
  };
  return (
    <ComboBox
      label={label}
      description={failed ? t('groups.picker.searchFailed') : description}
      items={items}
      inputValue={input}
      onInputChange={(value) => {
        setInput(value);
        if (selected && value !== selected.name) {
          onChange(null);
        }
      }}
      selectedKey={selected?.id ?? null}
      onSelectionChange={choose}
      loadingState={loading ? 'loading' : 'idle'}
      menuTrigger="focus"
      isRequired={isRequired}
      validationState={errorMessage ? 'invalid' : undefined}
      errorMessage={errorMessage}
      width="100%"
      data-testid={testId}
    >
      {(item) => <Item key={item.id}>{item.name}</Item>}
    </ComboBox>
  );
}
