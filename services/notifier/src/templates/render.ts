import { Eta, type TemplateFunction } from 'eta';
import {
  paymentFailed,
  paymentRecovered,
  subscriptionCancelScheduled,
  trialEnding,
} from './billingNotices.js';
import { footers, htmlLayout } from './layout.js';
import { resetPassword } from './resetPassword.js';
import {
  duplicateSignUp,
  mfaDisabled,
  mfaEnabled,
  passwordChanged,
  sessionsRevoked,
  sessionsRevokedReasons,
} from './securityNotices.js';
import { signInCode } from './signInCode.js';
import type {
  EmailTemplate,
  LocalizedTemplate,
  TemplateDataMap,
  TemplateHelpers,
  TemplateName,
} from './template.js';
import { verifyEmail } from './verifyEmail.js';

/** A rendered e-mail: what nodemailer sends, minus the envelope. */
export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  /** The language actually used (the requested one, its base language, or `en`). */
  locale: string;
}

const templates: { [Name in TemplateName]: LocalizedTemplate<Name> } = {
  verifyEmail,
  signInCode,
  resetPassword,
  passwordChanged,
  mfaEnabled,
  mfaDisabled,
  sessionsRevoked,
  duplicateSignUp,
  paymentFailed,
  paymentRecovered,
  trialEnding,
  subscriptionCancelScheduled,
};

/** Every template name, for callers that enumerate (tests, docs). */
export const templateNames = Object.keys(templates) as TemplateName[];

// HTML escapes every `<%= %>` (XML escaping covers text and quoted attributes); the text part goes
// out as text/plain, where entities would show up literally, so it is not escaped.
const htmlEta = new Eta({ autoEscape: true, autoTrim: false, cache: false });
const textEta = new Eta({ autoEscape: false, autoTrim: false, cache: false });
const layout = htmlEta.compile(htmlLayout);
const compiled = new Map<string, TemplateFunction>();

// Templates are compiled once per (engine, source) and reused: rendering is then a function call.
function compiledFor(engine: Eta, kind: 'html' | 'text', source: string): TemplateFunction {
  const key = `${kind}\u0000${source}`;
  let fn = compiled.get(key);
  if (!fn) {
    fn = engine.compile(source);
    compiled.set(key, fn);
  }
  return fn;
}

/** Picks `pt-BR`, then `pt`, then `en`: the closest language a template exists in. */
function pick<Name extends TemplateName>(
  localized: LocalizedTemplate<Name>,
  locale: string,
): { template: EmailTemplate<Name>; locale: string } {
  for (const candidate of [locale, locale.split('-')[0] ?? 'en']) {
    const template = localized[candidate];
    if (template) return { template, locale: candidate };
  }
  return { template: localized.en, locale: 'en' };
}

// Building an Intl.DateTimeFormat costs more than rendering a whole e-mail: one per locale.
const helpersByLocale = new Map<string, TemplateHelpers>();
function helpersFor(locale: string): TemplateHelpers {
  let helpers = helpersByLocale.get(locale);
  if (!helpers) {
    helpers = buildHelpers(locale);
    helpersByLocale.set(locale, helpers);
  }
  return helpers;
}

function buildHelpers(locale: string): TemplateHelpers {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
  } catch {
    format = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
  }
  return {
    // The server does not know the reader's time zone, so it says which one it uses.
    date: (iso) => `${format.format(new Date(iso))} UTC`,
    reasons: sessionsRevokedReasons,
  };
}

/** Renders one e-mail kind with its data in the recipient's locale (falling back to English); pure. */
export function render<Name extends TemplateName>(
  name: Name,
  data: TemplateDataMap[Name],
  locale = 'en',
): RenderedEmail {
  const { template, locale: used } = pick(templates[name] as LocalizedTemplate<Name>, locale);
  const it = { ...data, ...helpersFor(used) };
  const subject = template.subject(data);
  const body = htmlEta.render(compiledFor(htmlEta, 'html', template.html), it);
  const footer = footers[used] ?? footers.en ?? '';
  const html = htmlEta.render(layout, { body, subject, footer, lang: used });
  const text = `${textEta.render(compiledFor(textEta, 'text', template.text), it).trimEnd()}\n\n--\n${footer}\n`;
  return { subject, html, text, locale: used };
}
