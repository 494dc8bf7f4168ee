import {
  Button,
  ButtonGroup,
  Content,
  Dialog,
  Divider,
  Flex,
  Heading,
  InlineAlert,
  Text,
  useDialogContainer,
} from '@adobe/react-spectrum';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CreatedApiToken } from '../types.ts';

async function copyText(text: string, fallback: HTMLElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!fallback) {
      return false;
    }
    const range = document.createRange();
    range.selectNodeContents(fallback);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    return document.execCommand('copy');
  }
}

/** Shows a new token's secret, the only time it is shown, with a copy button. */
export function TokenSecretDialog({
  created,
  title,
}: {
  created: Pick<CreatedApiToken, 'name' | 'token'>;
  /** The heading, when not an API token's (a SCIM token's). */
  title?: string;
}) {
  const { t } = useTranslation();
  const { dismiss } = useDialogContainer();
  const secretRef = useRef<HTMLElement>(null);
  const [copied, setCopied] = useState<boolean | null>(null);

  return (
    <Dialog size="M" data-testid="token-secret-dialog">
      <Heading>{title ?? t('settings.tokens.secretTitle')}</Heading>
      <Divider />
      <Content>
        <Flex direction="column" gap="size-200">
          <InlineAlert variant="notice">
            <Heading>{t('settings.tokens.secretWarningTitle')}</Heading>
            <Content>{t('settings.tokens.secretWarning', { name: created.name })}</Content>
          </InlineAlert>
          <code className="usher-secret" ref={secretRef} data-testid="token-secret">
            {created.token}
          </code>
          <Flex alignItems="center" gap="size-150">
            <Button
              variant="secondary"
              data-testid="token-copy"
              onPress={() => {
                copyText(created.token, secretRef.current)
                  .then(setCopied)
                  .catch(() => setCopied(false));
              }}
            >
              <Text>{t('settings.tokens.copy')}</Text>
            </Button>
            {copied !== null && (
              <span role="status">{copied ? t('settings.tokens.copied') : t('settings.tokens.copyFailed')}</span>
            )}
          </Flex>
        </Flex>
      </Content>
      <ButtonGroup>
        <Button variant="accent" onPress={dismiss} data-testid="token-secret-done">
          {t('common.done')}
        </Button>
      </ButtonGroup>
    </Dialog>
  );
}
