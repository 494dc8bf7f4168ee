import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AwaitingDeviceSchema,
  ConnectionLinkSchema,
  DeviceSchema,
  ListedDeviceSchema,
} from '../../shared/api/devices.ts';
import { CappedCountSchema } from '../../shared/api/overview.ts';
import type { AppContext } from '../context.ts';
import { IdParams, PageQuery, problems } from '../core/schemas.ts';
import { MatchingBody } from '../users/users.routes.ts';
import { listDevices, listUsersAwaitingDevice } from './devices.list.ts';
import { connectDevice, describeLink, disconnectDevice, listUserDevices, PLATFORMS } from './devices.service.ts';
import { sendInstructions } from './instructions.service.ts';

const token = z.string().trim().min(1).max(200).meta({ description: 'The token from the link `/connect/<token>`.' });

const SendInstructionsBody = z
  .strictObject({
    userIds: z
      .array(z.uuid({ message: 'must be a UUID' }))
      .min(1)
      .max(1000)
      .optional(),
    all: z.literal(true).optional().meta({ description: 'Every user of the organization who is not removed.' }),
    matching: MatchingBody.optional(),
  })
  .refine((body) => [body.userIds, body.all, body.matching].filter((value) => value !== undefined).length === 1, {
    message: 'send one of userIds, all: true or matching',
    path: ['userIds'],
  });

const ListTotal = CappedCountSchema.nullable().meta({
  description: 'How many match (exact up to 10,000); on the first page only, null on the next ones.',
});

const search = z
  .string()
  .trim()
  .max(320)
  .optional()
  .meta({ description: "Part of the user's e-mail or name, or of the device's name." });

/** Instructions e-mails, device connection (public) and users' devices. */
export function devicesRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/users/send-instructions',
      {
        schema: {
          tags: ['Devices'],
          summary: 'Send installation instructions',
          description:
            'Queues an instructions e-mail, each with a new personal connection link, to the chosen users, to every ' +
            'user of the organization who is not removed, or to those the users list shows for a search and filters ' +
            '(`matching`, removed users left out).',
          body: SendInstructionsBody,
          response: { 200: z.object({ queued: z.number().int() }), ...problems(401, 403, 422) },
        },
      },
      async (request) => sendInstructions(ctx, request.actor!, request.body),
    );
    app.get(
      '/devices',
      {
        schema: {
          tags: ['Devices'],
          summary: "List the organization's devices",
          description:
            'Every connected device with its user, newest connection first: searched by user or device name, filtered ' +
            'by platform, cursor-paged at any size; the first page says how many match.',
          querystring: PageQuery.extend({ search, platform: z.enum(PLATFORMS).optional() }),
          response: {
            200: z.object({
              items: z.array(ListedDeviceSchema),
              nextCursor: z.string().nullable(),
              total: ListTotal,
            }),
            ...problems(401, 403),
          },
        },
      },
      async (request) => listDevices(ctx, request.actor!, request.query),
    );
    app.get(
      '/devices/awaiting',
      {
        schema: {
          tags: ['Devices'],
          summary: 'List users not connected yet',
          description:
            'Users who were sent instructions and have connected no device (removed users left out), in e-mail order, ' +
            'each with their latest instructions e-mail; cursor-paged; the first page says how many.',
          querystring: PageQuery.extend({ search }),
          response: {
            200: z.object({
              items: z.array(AwaitingDeviceSchema),
              nextCursor: z.string().nullable(),
              total: ListTotal,
            }),
            ...problems(401, 403),
          },
        },
      },
      async (request) => listUsersAwaitingDevice(ctx, request.actor!, request.query),
    );
    app.get(
      '/users/:id/devices',
      {
        schema: {
          tags: ['Devices'],
          summary: "List a user's devices",
          description:
            "The devices connected through the links of this user's instructions e-mails: platform, name, device " +
            'identifier, when it connected and through which e-mail.',
          params: IdParams,
          response: { 200: z.object({ items: z.array(DeviceSchema) }), ...problems(401, 403, 404) },
        },
      },
      async (request) => listUserDevices(ctx, request.actor!, request.params.id),
    );
    app.delete(
      '/users/:id/devices/:deviceId',
      {
        schema: {
          tags: ['Devices'],
          summary: 'Disconnect a device',
          description:
            'Removes the device from the user. Disconnecting an Android or iOS device frees its link for another ' +
            'mobile device while the link has not expired.',
          params: IdParams.extend({ deviceId: z.uuid({ message: 'must be a UUID' }) }),
          response: { 204: z.null().meta({ description: 'Disconnected.' }), ...problems(401, 403, 404) },
        },
      },
      async (request, reply) => {
        await disconnectDevice(ctx, request.actor!, request.params.id, request.params.deviceId);
        return reply.status(204).send(null);
      },
    );

    const origin = (request: { ip: string; headers: Record<string, unknown> }) => ({
      ip: request.ip,
      userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : null,
    });
    app.post(
      '/public/connection-link',
      {
        config: { public: true },
        schema: {
          tags: ['Devices'],
          summary: 'Read a connection link (public)',
          description:
            'What the connection page shows for the link of an instructions e-mail. No sign-in; limited per address. ' +
            'An unknown, expired or revoked link is always the same 404 `devices.link_invalid`.',
          security: [],
          body: z.strictObject({ token }),
          response: {
            200: ConnectionLinkSchema,
            ...problems(404, 429),
          },
        },
      },
      async (request) => describeLink(ctx, request.body.token, origin(request)),
    );
    app.post(
      '/public/devices',
      {
        config: { public: true },
        schema: {
          tags: ['Devices'],
          summary: 'Connect a device (public)',
          description:
            'Connects a device through the link of an instructions e-mail: any number of Windows and macOS devices, one ' +
            'Android or iOS device per link. The same `deviceId` again for the same user and platform reconnects it ' +
            '(200, name updated); for another user or platform it is refused (409 `devices.identifier_taken`). ' +
            'No sign-in; limited per address.',
          security: [],
          body: z.strictObject({
            token,
            platform: z.enum(PLATFORMS, { message: `must be one of ${PLATFORMS.join(', ')}` }),
            name: z.string().trim().min(1).max(255).meta({ description: "The device's name, e.g. Anna's laptop." }),
            deviceId: z
              .string()
              .trim()
              .min(1)
              .max(255)
              .meta({ description: "The device's own stable identifier (set by the security application)." }),
          }),
          response: {
            200: z.object({ device: DeviceSchema, reconnected: z.literal(true) }),
            201: z.object({ device: DeviceSchema, reconnected: z.literal(false) }),
            ...problems(404, 409, 429),
          },
        },
      },
      async (request, reply) => {
        const result = await connectDevice(ctx, request.body, origin(request));
        return reply.status(result.reconnected ? 200 : 201).send(result as never);
      },
    );
  };
}
