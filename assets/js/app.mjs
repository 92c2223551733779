// Safer Trafford Surveys – progressive enhancement only: every page works
// without JavaScript. Load with <script type="module" src=".../dist/app.mjs">
// (modules are deferred, so <body> exists, and only run in browsers that GOV.UK
// Frontend supports). This replaces the GOV.UK template's inline script, which
// our Content-Security-Policy forbids.
import { initAll } from './govuk-frontend.min.js' // (imports are hoisted)

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
