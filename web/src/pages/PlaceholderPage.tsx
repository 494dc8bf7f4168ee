import { Content, Heading, IllustratedMessage, View } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import { PageTitle } from '../components/PageTitle.tsx';

/** A section that is not built yet: its title and a short note. */
export function PlaceholderPage({ page }: { page: 'users' | 'groups' | 'products' | 'bulk' }) {
  const { t } = useTranslation();
  return (
    <>
      <PageTitle>{t(`nav.${page}`)}</PageTitle>
      <View marginTop="size-1000">
        <IllustratedMessage>
          <Heading>{t('placeholder.title')}</Heading>
          <Content>{t(`placeholder.${page}`)}</Content>
        </IllustratedMessage>
      </View>
    </>
  );
}
