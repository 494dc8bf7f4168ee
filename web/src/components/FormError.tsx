import { Content, Heading, InlineAlert } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import { errorMessage } from '../errors.ts';

interface FormErrorProps {
  title: string;
  /** The failed call; nothing is shown while it is null. */
  error: unknown;
  /** Field problems that could not be shown next to a field, as `field: message` lines. */
  rest?: readonly string[];
  testId?: string;
}

/**
 * A failed call in a dialog or page: its message in the console language, and the field problems
 * not shown beside their fields. The console's one form-error display.
 */
export function FormError({ title, error, rest = [], testId }: FormErrorProps) {
  const { t } = useTranslation();
  if (error === null || error === undefined) {
    return null;
  }
  return (
    <InlineAlert variant="negative" marginBottom="size-200" data-testid={testId}>
      <Heading>{title}</Heading>
      <Content>
        {errorMessage(t, error)}
        {rest.length > 0 && (
          <ul>
            {rest.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        )}
      </Content>
    </InlineAlert>
  );
}
