// config.json is written at deploy time with the region this copy of the site belongs to.
const status = document.getElementById('region');
try {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  const { region } = await response.json();
  status.textContent = `Served from ${region}.`;
} catch (error) {
  status.textContent = `Could not load the site configuration (${error.message}).`;
}
