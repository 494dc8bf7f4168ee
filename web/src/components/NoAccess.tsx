import { Content, Heading, IllustratedMessage, View } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';

/** Said by a page whose content the admin's roles do not cover. */
export function NoAccess({ text }: { text: string }) {
  const { t } = useTranslation();
  return (
    <View marginTop="size-1000">
      <IllustratedMessage>
        <Heading>{t('users.noAccessTitle')}</Heading>
        <Content>{text}</Content>
      </IllustratedMessage>
    </View>
  );
}
