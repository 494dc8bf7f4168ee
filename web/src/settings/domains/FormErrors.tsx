import { Content, Heading, InlineAlert } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import { errorMessage, fieldProblems } from '../../errors.ts';

/** A failed form submission: the error's message and its field problems. */
export function FormErrors({ title, error }: { title: string; error: unknown }) {
  const { t } = useTranslation();
  if (error === null) {
    return null;
  }
  const problems = fieldProblems(error);
  return (
    <InlineAlert variant="negative" marginBottom="size-200" data-testid="domains-form-error">
      <Heading>{title}</Heading>
      <Content>
        {errorMessage(t, error)}
        {problems.length > 0 && (
          <ul>
            {problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        )}
      </Content>
    </InlineAlert>
  );
}
