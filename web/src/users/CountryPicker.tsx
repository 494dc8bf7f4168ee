import { ComboBox, Item } from '@adobe/react-spectrum';
import { useMemo } from 'react';
import { currentLocale } from '../i18n/index.ts';
import { countryItems } from './countries.ts';

interface CountryPickerProps {
  label?: string;
  /** For a picker without a visible label (a table row). */
  ariaLabel?: string;
  value: string | null;
  onChange: (code: string | null) => void;
  errorMessage?: string;
  isDisabled?: boolean;
  testId: string;
  width?: string;
}

/** A country (ISO 3166-1 alpha-2), chosen by its name in the console language; type to filter. */
export function CountryPicker({
  label,
  ariaLabel,
  value,
  onChange,
  errorMessage,
  isDisabled,
  testId,
  width,
}: CountryPickerProps) {
  const locale = currentLocale();
  const items = useMemo(() => countryItems(locale), [locale]);
  return (
    <ComboBox
      label={label}
      aria-label={label ? undefined : ariaLabel}
      defaultItems={items}
      selectedKey={value}
      onSelectionChange={(key) => onChange(typeof key === 'string' && key ? key : null)}
      isDisabled={isDisabled}
      validationState={errorMessage ? 'invalid' : undefined}
      errorMessage={errorMessage}
      width={width ?? '100%'}
      data-testid={testId}
    >
      {(item) => <Item key={item.id}>{item.name}</Item>}
    </ComboBox>
  );
}
