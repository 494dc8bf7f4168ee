import { Heading } from '@adobe/react-spectrum';
import { useEffect } from 'react';

/** The h1 of a page; also names the browser tab. */
export function PageTitle({ children }: { children: string }) {
  useEffect(() => {
    document.title = `${children} · Usher`;
  }, [children]);
  return (
    <Heading level={1} marginTop={0} data-testid="page-title">
      {children}
    </Heading>
  );
}
