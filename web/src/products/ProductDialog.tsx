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
import { ApiError, api } from '../api.ts';
import type { Product } from '../types.ts';
import { FormError } from '../users/FormError.tsx';
import { problemsByField } from '../users/labels.ts';

const FORM_ID = 'product';

/** Adds a product (name, licenses), or edits one when `product` is given. */
export function ProductDialog({ product, onSaved }: { product?: Product; onSaved: (product: Product) => void }) {
  const { t } = useTranslation();
  const { dismiss } = useDialogContainer();
  const [name, setName] = useState(product?.name ?? '');
  const [quantity, setQuantity] = useState<number>(product?.licenseQuantity ?? 1);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (Number.isNaN(quantity)) {
      return;
    }
    setError(null);
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
        setError(caught);
        setPending(false);
      });
  };

  const fields = error instanceof ApiError ? problemsByField(error.errors) : new Map<string, string>();
  const nameError =
    fields.get('name') ??
    (error instanceof ApiError && error.code === 'products.name_taken' ? t('errors.products.name_taken') : undefined);
  const quantityError = fields.get('licenseQuantity');
  return (
    <Dialog size="S" data-testid="product-dialog">
      <Heading>{product ? t('products.editTitle', { name: product.name }) : t('products.addTitle')}</Heading>
      <Divider />
      <Content>
        {error !== null && <FormError title={t('products.saveFailed')} error={error} testId="product-error" />}
        <Form id={FORM_ID} onSubmit={submit} validationBehavior="native" aria-label={t('products.addTitle')}>
          <Flex direction="column" gap="size-150">
            <TextField
              label={t('products.field.name')}
              value={name}
              onChange={setName}
              isRequired
              autoFocus
              maxLength={LIMITS.nameMax}
              validationState={nameError ? 'invalid' : undefined}
              errorMessage={nameError}
              width="100%"
              data-testid="product-name"
            />
            <NumberField
              label={t('products.field.licenseQuantity')}
              description={t('products.field.licenseQuantityHint')}
              value={quantity}
              onChange={setQuantity}
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
