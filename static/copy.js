// Copy-to-clipboard for the backup-codes page: the only client-side script (X3). The page works
// without it (codes are visible and downloadable).
for (const button of document.querySelectorAll('[data-copy]')) {
  button.hidden = false;
  button.addEventListener('click', async () => {
    const source = document.getElementById(button.getAttribute('data-copy'));
    if (!source) return;
    await navigator.clipboard.writeText(source.innerText.trim());
    button.textContent = button.getAttribute('data-copied') || 'Copied';
  });
}
