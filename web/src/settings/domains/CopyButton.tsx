import { ActionButton, Flex, Text } from '@adobe/react-spectrum';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * Copies text to the clipboard; where the Clipboard API is refused (plain http), selects a copy
 * of it and uses the legacy copy command.
 * @returns whether the text was copied
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    try {
      return document.execCommand('copy');
    } finally {
      area.remove();
    }
  }
}

/** A quiet "Copy" button that says whether copying worked. */
export function CopyButton({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState<boolean | null>(null);
  return (
    <Flex alignItems="center" gap="size-100">
      <ActionButton
        isQuiet
        aria-label={label}
        data-testid={testId}
        onPress={() => {
          copyText(text)
            .then(setCopied)
            .catch(() => setCopied(false));
        }}
      >
        <Text>{t('domains.copy')}</Text>
      </ActionButton>
      {copied !== null && <span role="status">{copied ? t('domains.copied') : t('domains.copyFailed')}</span>}
    </Flex>
  );
}
