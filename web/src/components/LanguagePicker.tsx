import { Item, Picker, Text } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import { LOCALE_NAMES, LOCALES, type Locale } from '../../../shared/contracts.ts';
import { isLocale } from '../i18n/index.ts';

interface LanguagePickerProps {
  value: Locale;
  onChange: (locale: Locale) => void;
  /** A visible label (forms); without one the picker is labelled "Language" for assistive technology only. */
  label?: string;
  testId?: string;
  isDisabled?: boolean;
}

/** The five console languages by their native names. */
export function LanguagePicker({ value, onChange, label, testId, isDisabled }: LanguagePickerProps) {
  const { t } = useTranslation();
  const items = LOCALES.map((locale) => ({ id: locale, name: LOCALE_NAMES[locale] }));
  return (
    <Picker
      label={label}
      aria-label={label ? undefined : t('common.language')}
      items={items}
      selectedKey={value}
      isDisabled={isDisabled}
      onSelectionChange={(key) => {
        if (isLocale(key) && key !== value) {
          onChange(key);
        }
      }}
      data-testid={testId}
      width={label ? '100%' : 'size-2000'}
    >
      {(item) => (
        <Item key={item.id} textValue={item.name}>
          {/* In a Text the picker names its button by the chosen language as well as by its label. */}
          <Text>
            <span lang={item.id}>{item.name}</span>
          </Text>
        </Item>
      )}
    </Picker>
  );
}
