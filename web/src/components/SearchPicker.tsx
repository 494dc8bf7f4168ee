import { ComboBox, Item } from '@adobe/react-spectrum';
import { type Key, useEffect, useRef, useState } from 'react';
import { api, queryString } from '../api.ts';
import type { Page } from '../types.ts';
import { useDebounced } from '../users/useDebounced.ts';

/** Items offered per search. */
const SUGGESTIONS = 20;

/** One offered item: its key and how it is named in the field. */
export interface PickerOption {
  id: string;
  label: string;
}

/** What a search of `path` found: only the answer to the newest search counts. */
function useSearchResults<T>(path: string, search: string): { found: T[]; loading: boolean; failed: boolean } {
  const [found, setFound] = useState<T[]>([]);
  const [loading, setLoading] = useState(false);
  const [failed, setFailed] = useState(false);
  const latest = useRef(0);

  useEffect(() => {
    // A slow answer to an earlier search must not replace the answer to a later one: each search
    // is numbered, an earlier one is aborted, and only the newest number's answer is shown.
    const mine = ++latest.current;
    const controller = new AbortController();
    setLoading(true);
    setFailed(false);
    api
      .get<Page<T>>(`${path}${queryString({ search: search || undefined, limit: String(SUGGESTIONS) })}`, {
        signal: controller.signal,
      })
      .then(
        (page) => {
          if (mine === latest.current) {
            setFound(page.items);
            setLoading(false);
          }
        },
        (error: unknown) => {
          if (mine === latest.current && !(error instanceof DOMException && error.name === 'AbortError')) {
            setFound([]);
            setFailed(true);
            setLoading(false);
          }
        },
      );
    return () => controller.abort();
  }, [path, search]);

  return { found, loading, failed };
}

interface SearchPickerProps<T> {
  label: string;
  description?: string;
  /** The list searched, e.g. `/api/v1/groups` (its `search` and `limit` parameters are used). */
  path: string;
  /** Shown instead of the description when a search failed. */
  searchFailedText: string;
  /** How an item is offered, or null not to offer it (already chosen, removed). */
  toOption: (item: T) => PickerOption | null;
  /**
   * The chosen item, shown in the field; leave it out for a picker that adds one item at a time
   * (its field empties after each choice).
   */
  selected?: PickerOption | null;
  onChoose: (item: T | null) => void;
  errorMessage?: string;
  isRequired?: boolean;
  isDisabled?: boolean;
  testId: string;
}

/**
 * The console's one search picker: searches a list of the API as the admin types (debounced) and
 * chooses one of its items, either kept in the field (`selected`) or handed over and cleared.
 */
export function SearchPicker<T>({
  label,
  description,
  path,
  searchFailedText,
  toOption,
  selected,
  onChoose,
  errorMessage,
  isRequired,
  isDisabled,
  testId,
}: SearchPickerProps<T>) {
  const keeps = selected !== undefined;
  const [input, setInput] = useState(selected?.label ?? '');
  const typed = input.trim() === (selected?.label ?? '') ? '' : input.trim();
  const search = useDebounced(typed, 250);
  const { found, loading, failed } = useSearchResults<T>(path, search);

  const offered: { option: PickerOption; item: T | null }[] = [];
  for (const item of found) {
    const option = toOption(item);
    if (option) {
      offered.push({ option, item });
    }
  }
  if (selected && !offered.some(({ option }) => option.id === selected.id)) {
    offered.unshift({ option: selected, item: null });
  }
  const choose = (key: Key | null) => {
    // No key: the typed text no longer names the choice (already handed over by onInputChange);
    // what was typed stays, so the search goes on.
    const chosen = key === null ? undefined : offered.find(({ option }) => option.id === key);
    if (!chosen) {
      return;
    }
    if (!keeps) {
      if (chosen.item) {
        onChoose(chosen.item);
        setInput('');
      }
      return;
    }
    setInput(chosen.option.label);
    if (chosen.option.id !== selected?.id) {
      onChoose(chosen.item);
    }
  };
  return (
    <ComboBox
      label={label}
      description={failed ? searchFailedText : description}
      items={offered.map(({ option }) => option)}
      inputValue={input}
      onInputChange={(value) => {
        setInput(value);
        if (keeps && selected && value !== selected.label) {
          onChoose(null);
        }
      }}
      selectedKey={keeps ? (selected?.id ?? null) : null}
      onSelectionChange={choose}
      loadingState={loading ? 'loading' : 'idle'}
      menuTrigger="focus"
      isRequired={isRequired}
      isDisabled={isDisabled}
      validationState={errorMessage ? 'invalid' : undefined}
      errorMessage={errorMessage}
      width="100%"
      data-testid={testId}
    >
      {(option) => <Item key={option.id}>{option.label}</Item>}
    </ComboBox>
  );
}
