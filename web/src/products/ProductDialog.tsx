import {
  Button,
  ButtonGroup,
  Content,
  Dialog,
  Divider,
  Flex,
  Form,
  Heading,
  NumberField,
  TextField,
  useDialogContainer,
} from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LIMITS } from '../../../shared/contracts.ts';
import { api } from '../api.ts';
import { FormError } from '../components/FormError.tsx';
import { useServerErrors } from '../components/useServerErrors.ts';
import type { Product } from '../types.ts';

const FORM_ID = 'product';

/** A taken name is a problem of the name field. */
const CODE_FIELDS = { 'products.name_taken': 'name' };

/** Adds a product (name, licenses), or edits one when `product` is given. */
export function ProductDialog({ product, onSaved }: { product?: Product; onSaved: (product: Product) => void }) {
  const { t } = useTranslation();
  const { dismiss } = useDialogContainer();
  const [name, setName] = useState(product?.name ?? '');
  const [quantity, setQuantity] = useState<number>(product?.licenseQuantity ?? 1);
  const errors = useServerErrors(CODE_FIELDS);
  const [pending, setPending] = useState(false);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (Number.isNaN(quantity)) {
      return;
    }
    errors.reset();
    setPending(true);
    const body = { name: name.trim(), licenseQuantity: quantity };
    const call = product
      ? api.patch<Product>(`/api/v1/products/${encodeURIComponent(product.id)}`, body)
      : api.post<Product>('/api/v1/products', body);
    call
      .then((saved) => {
        onSaved(saved);
        dismiss();
      })
      .catch((caught: unknown) => {
        errors.fail(caught);
        setPending(false);
      });
  };

  const nameError = errors.problem('name');
  const quantityError = errors.problem('licenseQuantity');
  return (
    <Dialog size="S" data-testid="product-dialog">
      <Heading>{product ? t('products.editTitle', { name: product.name }) : t('products.addTitle')}</Heading>
      <Divider />
      <Content>
        {errors.error !== null && (
          <FormError
            title={t('products.saveFailed')}
            error={errors.error}
            rest={errors.rest(['name', 'licenseQuantity'])}
            testId="product-error"
          />
        )}
        <Form id={FORM_ID} onSubmit={submit} validationBehavior="native" aria-label={t('products.addTitle')}>
          <Flex direction="column" gap="size-150">
            <TextField
              label={t('products.field.name')}
              value={name}
              onChange={(value) => {
                setName(value);
                errors.edited('name');
              }}
              isRequired
              autoFocus
              maxLength={LIMITS.nameMax}
              validationState={nameError ? 'invalid' : undefined}
              errorMessage={nameError}
              width="100%"
              data-testid="product-name"
            />
            {/* A number is committed (onChange) only when the field loses focus: its complaint goes
                as soon as it is typed in, not when Save is pressed (the dialog would shrink under the
                pointer and the press miss the button). Input events bubble from the field's input. */}
            <div onInput={() => errors.edited('licenseQuantity')}>
              <NumberField
                label={t('products.field.licenseQuantity')}
                description={t('products.field.licenseQuantityHint')}
                value={quantity}
                onChange={(value) => {
                  setQuantity(value);
                  errors.edited('licenseQuantity');
                }}
                minValue={0}
                maxValue={100_000_000}
                step={1}
                formatOptions={{ maximumFractionDigits: 0 }}
                isRequired
                validationState={quantityError ? 'invalid' : undefined}
                errorMessage={quantityError}
                width="100%"
                data-testid="product-quantity"
              />
            </div>
          </Flex>
        </Form>
      </Content>
      <ButtonGroup>
        <Button variant="secondary" onPress={dismiss} isDisabled={pending}>
          {t('common.cancel')}
        </Button>
        <Button variant="accent" type="submit" form={FORM_ID} isPending={pending} data-testid="product-submit">
          {product ? t('common.save') : t('products.add')}
        </Button>
      </ButtonGroup>
    </Dialog>
  );
}
