// Front-end build for Safer Trafford Surveys: `npm run build`.
//
//   assets/scss/app.scss       -> survey_app/static/dist/app.css (compressed)
//   govuk-frontend.min.js      -> survey_app/static/dist/govuk-frontend.min.js
//   assets/js/app.mjs          -> survey_app/static/dist/app.mjs (its imports fingerprinted)
//   assets/js/kiosk.mjs        -> survey_app/static/dist/kiosk.mjs (kiosk pages only)
//   assets/images/favicon.svg  -> survey_app/static/dist/images/favicon.svg
//   + any GOV.UK Frontend image the compiled CSS references (none at present:
//     the footer's Royal crest is deliberately compiled out).
//
// Relative module imports (`from './govuk-frontend.min.js'`) are written with the
// imported file's fingerprint (`./govuk-frontend.min.js?v=<hash>`), the same one
// survey_app/assets.py gives the URLs it writes, so that those files too are
// cached for a year and not asked for again on every page.
//
// Prints one line per file written, with its size in bytes. Exits non-zero,
// with a readable message, on a Sass error or if the CSS would pull in the
// GDS Transport font or an image we don't have.

import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as sass from 'sass'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const nodeModules = join(root, 'node_modules')
const govukDist = join(nodeModules, 'govuk-frontend', 'dist', 'govuk')
const outDir = join(root, 'survey_app', 'static', 'dist')

function report (file) {
  const size = statSync(file).size
  console.log(`${relative(root, file).padEnd(48)} ${String(size).padStart(8)} bytes`)
}

function write (file, contents) {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, contents)
  report(file)
}

function copy (from, to) {
  if (!existsSync(from)) throw new Error(`missing source file: ${relative(root, from)}`)
  mkdirSync(dirname(to), { recursive: true })
  copyFileSync(from, to)
  report(to)
}

// The fingerprint survey_app/assets.py puts in `?v=`: the first 12 hex digits
// of the file's SHA-256. Flask adds it to every URL it writes; a module's
// imports are written by us, so we add it here.
function fingerprint (file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 12)
}

// Copy one of our ES modules, fingerprinting each relative import. Without it,
// `import ... from './govuk-frontend.min.js'` is requested with no `?v=` and
// served with `Cache-Control: no-cache`, so a phone asks for it again on every
// page: a round trip (0.4 s on slow 3G) before DOMContentLoaded, since module
// scripts are deferred. With it, the import is cached like everything else, and
// a new GOV.UK Frontend changes app.mjs and so app.mjs's own fingerprint too.
// The imported files must be in dist/ before this runs.
function copyModule (from, to) {
  const source = readFileSync(from, 'utf8')
  const imports = /(\bfrom\s*|\bimport\s*\(?\s*)(['"])(\.{1,2}\/[^'"?#]+)\2/g
  const built = source.replace(imports, (whole, keyword, quote, specifier) => {
    const target = join(dirname(to), specifier)
    if (!existsSync(target)) {
      throw new Error(`${relative(root, from)} imports ${specifier}, which is not in ${relative(root, dirname(to))}`)
    }
    return `${keyword}${quote}${specifier}?v=${fingerprint(target)}${quote}`
  })
  write(to, built)
}

function compileCss () {
  const entry = join(root, 'assets', 'scss', 'app.scss')
  let result
  try {
    result = sass.compile(entry, {
      style: 'compressed',
      loadPaths: [nodeModules],
      // Don't print deprecation noise from dependencies (GOV.UK Frontend);
      // warnings from our own files are still shown.
      quietDeps: true
    })
  } catch (error) {
    // sass.Exception's message includes the file, line and a code excerpt.
    const message = error instanceof sass.Exception ? error.message : (error.stack || String(error))
    throw new Error(`Sass compilation failed:\n${message}`)
  }
  const css = result.css

  // Guard the brand rules: this is not a GOV.UK service.
  if (/GDS Transport/i.test(css)) throw new Error('compiled CSS mentions "GDS Transport"; it must not')
  if (/@font-face/i.test(css)) throw new Error('compiled CSS contains @font-face; it must not')

  return css
}

// Every url(images/...) the CSS uses must exist in dist/images (ours, or
// copied from GOV.UK Frontend). At present there are none: the only one GOV.UK
// Frontend would use here, the footer's Royal crest, compiles to `none`
// (assets/scss/_image-url.scss).
function imagesReferenced (css) {
  const names = new Set()
  for (const [, url] of css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)) {
    if (url.startsWith('data:')) continue
    const match = /^images\/([^?#]+)$/.exec(url)
    if (!match) throw new Error(`unexpected url() in compiled CSS: ${url}`)
    names.add(match[1])
  }
  return [...names]
}

function hasClass (css, cls) {
  const selector = '.' + cls.replace('!', '\\!') // as written in the CSS
  for (let at = css.indexOf(selector); at >= 0; at = css.indexOf(selector, at + 1)) {
    if (!/[a-z0-9_-]/i.test(css.charAt(at + selector.length))) return true
  }
  return false
}

// assets/scss/_overrides.scss compiles only a subset of GOV.UK's `govuk-!-`
// override classes: warn (on stderr) about any a template uses that the CSS
// lacks. Dynamic names (`govuk-!-margin-bottom-{{ n }}`) can't be checked.
function checkOverrideClasses (css) {
  const templates = join(root, 'survey_app', 'templates')
  if (!existsSync(templates)) return
  const missing = new Map()
  for (const name of readdirSync(templates, { recursive: true })) {
    if (!/\.(html|jinja|j2|txt)$/.test(name)) continue
    const text = readFileSync(join(templates, name), 'utf8')
    for (const [cls] of text.matchAll(/govuk-!-[a-z0-9-]*[a-z0-9]\b(?!-)/g)) {
      if (!hasClass(css, cls)) missing.set(cls, [...(missing.get(cls) || []), name])
    }
  }
  for (const [cls, files] of missing) {
    console.error(`warning: ${cls} (used in ${[...new Set(files)].join(', ')}) is not in app.css; add it to assets/scss/_overrides.scss`)
  }
}

function main () {
  const css = compileCss()
  write(join(outDir, 'app.css'), css)
  checkOverrideClasses(css)

  copy(join(govukDist, 'govuk-frontend.min.js'), join(outDir, 'govuk-frontend.min.js'))
  copyModule(join(root, 'assets', 'js', 'app.mjs'), join(outDir, 'app.mjs'))
  copyModule(join(root, 'assets', 'js', 'kiosk.mjs'), join(outDir, 'kiosk.mjs'))
  copy(join(root, 'assets', 'images', 'favicon.svg'), join(outDir, 'images', 'favicon.svg'))

  for (const name of imagesReferenced(css)) {
    const ours = join(root, 'assets', 'images', name)
    const theirs = join(govukDist, 'assets', 'images', name)
    if (existsSync(ours)) copy(ours, join(outDir, 'images', name))
    else if (existsSync(theirs)) copy(theirs, join(outDir, 'images', name))
    else throw new Error(`compiled CSS references images/${name}, which neither assets/images nor GOV.UK Frontend provides`)
  }
}

try {
  main()
} catch (error) {
  console.error(`\nBuild failed: ${error.message}`)
  process.exitCode = 1
}
