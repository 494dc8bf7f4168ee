import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { OrganizationSchema } from '../../shared/api/organizations.ts';
import { SessionSchema } from '../../shared/api/session.ts';
import { LIMITS, LOCALES } from '../../shared/contracts.ts';
import { PASSWORD_PROBLEM_MESSAGES, passwordProblem } from '../../shared/password-policy.ts';
import { signIn } from '../auth/auth.service.ts';
import { setSessionCookie } from '../auth/cookie.ts';
import { presentSession } from '../auth/session-view.ts';
import type { AppContext } from '../context.ts';
import { problems } from '../core/schemas.ts';
import { DownloadLinksPatch } from './organizations.schemas.ts';
import { getOrganization, updateOrganization } from './organizations.service.ts';
import { completeSetup, isSetupTokenValid } from './setup.service.ts';

const OrganizationPatch = z.strictObject({
  name: z.string().trim().min(1).max(LIMITS.organizationNameMax).optional().meta({ description: 'New name.' }),
  defaultLocale: z.enum(LOCALES).optional().meta({ description: 'New default language.' }),
  requireMfa: z.boolean().optional().meta({ description: 'Require a second factor for every admin.' }),
  ssoOnly: z
    .boolean()
    .optional()
    .meta({ description: 'Federated admins sign in only through their identity provider.' }),
  breakGlassUserId: z
    .uuid({ message: 'must be the user id of a system admin' })
    .nullable()
    .optional()
    .meta({ description: 'A system admin who keeps password sign-in; null for none.' }),
  deviceDownloadLinks: DownloadLinksPatch.optional().meta({
    description: 'Download links per platform to set (a URL) or remove (null); platforms left out keep theirs.',
  }),
});

const SetupBody = z
  .strictObject({
    token: z.string().min(1).max(200).meta({ description: 'The token of the setup link printed at start-up.' }),
    organizationName: z.string().trim().min(1).max(LIMITS.organizationNameMax),
    email: z.email({ message: 'must be an e-mail address' }).max(LIMITS.emailMax),
    password: z
      .string()
      .max(LIMITS.passwordMax)
      .superRefine((password, check) => {
        const problem = passwordProblem(password);
        if (problem) {
          check.addIssue({ code: 'custom', message: PASSWORD_PROBLEM_MESSAGES[problem] });
        }
      }),
    firstName: z.string().trim().max(LIMITS.nameMax).optional(),
    lastName: z.string().trim().max(LIMITS.nameMax).optional(),
    locale: z.enum(LOCALES).optional(),
  })
  .superRefine((body, check) => {
    if (passwordProblem(body.password, { email: body.email }) === 'is_email') {
      check.addIssue({ code: 'custom', path: ['password'], message: PASSWORD_PROBLEM_MESSAGES.is_email });
    }
  });

/** The organization's settings and the first-run setup. */
export function organizationsRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/organization',
      {
        schema: {
          tags: ['Organization'],
          summary: 'Get the organization',
          description: "The caller's organization and its settings.",
          response: { 200: OrganizationSchema, ...problems(401, 403) },
        },
      },
      async (request) => getOrganization(ctx, request.actor!),
    );

    app.patch(
      '/organization',
      {
        schema: {
          tags: ['Organization'],
          summary: 'Update the organization',
          description: 'Renames the organization or changes its default language (system admins).',
          body: OrganizationPatch,
          response: { 200: OrganizationSchema, ...problems(401, 403, 422) },
        },
      },
      async (request) => updateOrganization(ctx, request.actor!, request.body),
    );

    app.get(
      '/setup',
      {
        config: { public: true },
        schema: {
          tags: ['Setup'],
          summary: 'Check a setup link',
          description: 'Tells whether a first-run setup link can still be used.',
          security: [],
          querystring: z.object({ token: z.string().min(1).max(200) }),
          response: { 200: z.object({ valid: z.boolean() }), ...problems() },
        },
      },
      async (request) => ({ valid: await isSetupTokenValid(ctx, request.query.token) }),
    );

    app.post(
      '/setup',
      {
        config: { public: true },
        schema: {
          tags: ['Setup'],
          summary: 'Create the first organization',
          description:
            'With the one-time link printed at first start, creates the organization and its first system admin, ' +
            'and signs that admin in.',
          security: [],
          body: SetupBody,
          response: { 201: SessionSchema, ...problems(410, 429) },
        },
      },
      async (request, reply) => {
        const { token, ...input } = request.body;
        const origin = { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
        const created = await completeSetup(ctx, token, input, origin);
        const result = await signIn(
          ctx,
          { email: input.email, password: input.password, organizationId: created.organizationId },
          origin,
        );
        // A new organization's first admin has no second factor and the organization requires none.
        if (result.kind !== 'session') {
          throw new Error('setup: the first admin got a second-factor challenge');
        }
        setSessionCookie(ctx, reply, result.session.token ?? '');
        return reply.status(201).send(await presentSession(ctx, result.actor, result.session.csrfToken));
      },
    );
  };
}
