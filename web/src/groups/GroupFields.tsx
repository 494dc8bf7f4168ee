import { Flex, TextField } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import { LIMITS } from '../../../shared/contracts.ts';

interface GroupFieldsProps {
  name: string;
  description: string;
  onNameChange: (name: string) => void;
  onDescriptionChange: (description: string) => void;
  nameError?: string;
  descriptionError?: string;
  isDisabled?: boolean;
  autoFocus?: boolean;
  /** Prefix of the fields' test ids (`<prefix>-name`, `<prefix>-description`). */
  testId: string;
}

/** A group's name (required) and description, each with its 255-character limit and count shown. */
export function GroupFields({
  name,
  description,
  onNameChange,
  onDescriptionChange,
  nameError,
  descriptionError,
  isDisabled,
  autoFocus,
  testId,
}: GroupFieldsProps) {
  const { t } = useTranslation();
  return (
    <Flex direction="column" gap="size-150" width="100%">
      <TextField
        label={t('groups.field.name')}
        description={t('groups.field.nameHint', { n: name.length, max: LIMITS.nameMax })}
        value={name}
        onChange={onNameChange}
        isRequired
        isDisabled={isDisabled}
        autoFocus={autoFocus}
        maxLength={LIMITS.nameMax}
        validationState={nameError ? 'invalid' : undefined}
        errorMessage={nameError}
        width="100%"
        data-testid={`${testId}-name`}
      />
      <TextField
        label={t('groups.field.description')}
        description={t('groups.field.descriptionHint', { n: description.length, max: LIMITS.nameMax })}
        value={description}
        onChange={onDescriptionChange}
        isDisabled={isDisabled}
        maxLength={LIMITS.nameMax}
        validationState={descriptionError ? 'invalid' : undefined}
        errorMessage={descriptionError}
        width="100%"
        data-testid={`${testId}-description`}
      />
    </Flex>
  );
}
