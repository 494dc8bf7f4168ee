import { Flex, View } from '@adobe/react-spectrum';
import type { ReactNode } from 'react';
import { PageTitle } from './PageTitle.tsx';

interface AuthCardProps {
  title: string;
  /** `size-4600` for a short form (sign-in, passwords), `size-6000` for a longer one. */
  width: 'size-4600' | 'size-6000';
  /** The page's landmark: `main`, or `div` where the card stands inside another page's main. */
  landmark?: 'main' | 'div';
  children: ReactNode;
}

/**
 * The card of the pages outside the console's shell (sign-in, passwords, setup, MFA enrolment,
 * connecting a client): centred, the product name and the page title over its content.
 */
export function AuthCard({ title, width, landmark = 'main', children }: AuthCardProps) {
  const Landmark = landmark;
  return (
    <Landmark className="usher-centered">
      <View
        width={width}
        maxWidth="100%"
        padding="size-400"
        borderWidth="thin"
        borderColor="gray-300"
        borderRadius="medium"
        backgroundColor="gray-50"
      >
        <Flex direction="column" gap="size-200">
          <span className="usher-brand">Usher</span>
          <PageTitle>{title}</PageTitle>
          {children}
        </Flex>
      </View>
    </Landmark>
  );
}
