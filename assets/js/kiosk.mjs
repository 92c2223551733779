// Kiosk inactivity: after a while without a touch, ask whether anyone is still
// there; if nobody answers, clear everything and return to the start screen.
// The reset itself is the server's (POST /kiosk/<centre>/reset), so it deletes
// the answers on the server as well as in this browser.

const body = document.body
const warningAfter = Number(body.dataset.kioskWarning || 120) * 1000
const countdown = Number(body.dataset.kioskCountdown || 30) * 1000
const dialog = document.getElementById('kiosk-warning')
const resetForm = document.getElementById('kiosk-reset')

let warningTimer
let resetTimer

function reset () {
  resetForm.requestSubmit()
}

function warn () {
  if (dialog && typeof dialog.showModal === 'function') {
    dialog.showModal()
  }
  resetTimer = window.setTimeout(reset, countdown)
}

function restart () {
  window.clearTimeout(warningTimer)
  window.clearTimeout(resetTimer)
  if (dialog && dialog.open) {
    dialog.close()
  }
  warningTimer = window.setTimeout(warn, warningAfter)
}

if (resetForm) {
  for (const event of ['pointerdown', 'keydown', 'input', 'scroll', 'touchstart']) {
    document.addEventListener(event, () => { if (!dialog || !dialog.open) restart() }, { passive: true })
  }
  dialog?.querySelector('[data-kiosk-continue]')?.addEventListener('click', restart)
  // A page restored from the back/forward cache must not show an old screen.
  window.addEventListener('pageshow', (event) => { if (event.persisted) window.location.reload() })
  restart()
}
