// A background job's page, kept up to date without reloading it (a reload every few seconds is a timed change
// the reader does not control): every 2 seconds fetch the page again and copy the new figures in; once the job
// has finished, show the finished page's content. Without JavaScript, a <noscript> refresh does the same.
const status = document.getElementById('job-status')

async function poll () {
  try {
    const response = await fetch(window.location.href, { credentials: 'same-origin' })
    const fresh = new DOMParser().parseFromString(await response.text(), 'text/html')
    const freshStatus = fresh.getElementById('job-status')
    if (freshStatus) {
      status.textContent = freshStatus.textContent
      const bar = document.querySelector('progress.app-progress')
      const freshBar = fresh.querySelector('progress.app-progress')
      if (bar && freshBar) {
        bar.value = freshBar.value
        bar.textContent = freshBar.textContent
      }
      window.setTimeout(poll, 2000)
      return
    }
    const main = document.getElementById('main-content')
    const freshMain = fresh.getElementById('main-content')
    if (main && freshMain) {
      main.innerHTML = freshMain.innerHTML
      document.title = fresh.title
    }
  } catch (error) {
    window.setTimeout(poll, 5000)
  }
}

if (status) {
  window.setTimeout(poll, 2000)
}
