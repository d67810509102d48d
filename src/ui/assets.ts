/**
 * The web UI's two static files, served from `/ui/assets/` (same origin, so the CSP can allow
 * them by `'self'` and nothing inline). Kept as strings: no build step, nothing to copy.
 */
export const UI_CSS = `
*{box-sizing:border-box}
html{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1b1b1b;background:#f6f7f9}
body{margin:0}
a{color:#0b57d0}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible{outline:3px solid #e07000;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:.5rem;background:#fff;padding:.25rem .5rem;z-index:2}
.top{display:flex;align-items:center;gap:1.5rem;background:#1f2a44;color:#fff;padding:.6rem 1.5rem}
.top a{color:#fff;text-decoration:none}.top a:hover{text-decoration:underline}
.brand{font-weight:700;font-size:1.1rem;margin-right:1rem}
.top nav{display:flex;gap:1.25rem;flex:1}
.who{display:flex;align-items:center;gap:.75rem;font-size:.9rem}
.who button{background:transparent;color:#fff;border:1px solid #9aa6c2;border-radius:4px;padding:.2rem .6rem;cursor:pointer;font:inherit}
main{max-width:72rem;margin:0 auto;padding:1.25rem 1.5rem 3rem}
h1{font-size:1.6rem;margin:.5rem 0 1rem;overflow-wrap:anywhere}
h2{font-size:1.2rem;margin:0 0 .75rem}
.crumbs{font-size:.9rem;color:#555;margin:0}
.card{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:1rem 1.25rem;margin:0 0 1.25rem}
.head{display:flex;align-items:flex-start;justify-content:space-between;gap:1rem;flex-wrap:wrap}
table{border-collapse:collapse;width:100%}
caption{text-align:left;font-weight:600;padding:0 0 .5rem}
th,td{text-align:left;vertical-align:top;padding:.45rem .6rem;border-bottom:1px solid #e3e6ea;overflow-wrap:anywhere}
thead th{border-bottom:2px solid #b8bec8;font-size:.9rem;color:#333}
.fields{display:grid;grid-template-columns:repeat(auto-fill,minmax(24rem,1fr));gap:.25rem 2rem;margin:0}
.fields time{white-space:normal}
.fields div{display:grid;grid-template-columns:10rem 1fr;gap:.5rem;padding:.3rem 0;border-bottom:1px solid #eef0f3}
.fields dt{color:#555;font-size:.9rem}.fields dd{margin:0;overflow-wrap:anywhere}
.none{color:#6b6b6b;font-style:italic}
.button,button{display:inline-block;font:inherit;border-radius:6px;padding:.45rem 1rem;border:1px solid #0b57d0;background:#0b57d0;color:#fff;text-decoration:none;cursor:pointer}
.button.secondary,button.secondary{background:#fff;color:#0b57d0}
button.danger{background:#fff;color:#b3261e;border-color:#b3261e}
.inline{display:inline}
form.row{display:flex;gap:.5rem;align-items:flex-end;flex-wrap:wrap;margin:0 0 1rem}
.form{display:grid;gap:1rem;max-width:48rem}
.field{display:grid;gap:.3rem}
.field label,.field legend{font-weight:600}
.field .hint{font-size:.85rem;color:#555;margin:0}
.field button{justify-self:start;align-self:end}
input[type=text],input[type=email],input[type=password],input[type=search],input[type=number],input[type=datetime-local],select,textarea{font:inherit;padding:.45rem .55rem;border:1px solid #8d96a3;border-radius:6px;background:#fff;width:100%}
textarea{min-height:12rem;resize:vertical}
fieldset{border:1px solid #dde1e7;border-radius:6px;padding:.75rem 1rem;margin:0}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
.grid3{display:grid;grid-template-columns:1fr 1fr 1fr;gap:1rem}
.actions{display:flex;gap:.75rem;flex-wrap:wrap;align-items:center}
.error{color:#b3261e;font-weight:600;margin:0}
[aria-invalid=true]{border-color:#b3261e;border-width:2px}
.alert{border-left:4px solid #b3261e;background:#fdecea;padding:.6rem 1rem;margin:0 0 1rem;border-radius:4px}
.notice{border-left:4px solid #1e7d32;background:#e8f5e9;padding:.6rem 1rem;margin:0 0 1rem;border-radius:4px}
.status{display:inline-block;font-size:.8rem;font-weight:600;padding:.05rem .5rem;border-radius:999px;border:1px solid;white-space:nowrap}
.s-sent,.s-opened,.s-clicked,.s-replied{color:#1e6b2f;background:#e7f4ea}.s-scheduled,.s-queued,.s-sending{color:#0b4f9c;background:#e6eefb}
.s-deferred{color:#8a5300;background:#fff4e0}.s-bounced,.s-failed{color:#b3261e;background:#fdecea}.s-skipped,.s-cancelled,.s-auto-reply{color:#555;background:#f0f0f0}
.recipients{list-style:none;margin:0;padding:0}.recipients li{margin:.15rem 0}
.small{font-size:.85rem;color:#555}
.pager{display:flex;gap:1.5rem;margin-top:1rem}
.login{max-width:24rem;margin:4rem auto}
iframe{display:block;width:100%;height:24rem;border:1px solid #b8bec8;background:#fff;border-radius:4px}
details summary{cursor:pointer;color:#0b57d0}
time{white-space:nowrap}
/* record timeline (issue 18 item 3) */
.emails tbody.thread{border-left:4px solid #b8c7e6}
.emails thead th:last-child{width:8.5rem}
.thread-head th{background:#f0f4fb;font-size:.9rem;font-weight:600;color:#1b1b1b}
.story{list-style:none;margin:.2rem 0 .6rem;padding:0 0 0 .9rem;border-left:2px solid #dde1e7;font-size:.9rem}
.story .step{margin:.1rem 0}.story .step time{color:#444}
.st-bounced,.st-failed,.st-complained{color:#8c1d18}.st-deferred,.st-remote-delay{color:#6b4100}
.story details{margin:.25rem 0}
.blocked{margin:.1rem 0 .6rem;font-size:.9rem}
.s-blocked{color:#8c1d18;background:#fdecea}
button.small-button{padding:.1rem .6rem;font-size:.85rem}
@media (max-width:40rem){.grid2,.grid3{grid-template-columns:1fr}.fields div{grid-template-columns:1fr}}
`;

/**
 * Progressive enhancement of the compose form: choosing a template fills Subject and Body (and
 * the format) at once. Without it the "Use template" button does the same with a round trip.
 */
export const COMPOSE_JS = `
(function () {
  var select = document.getElementById('template');
  var form = select && select.form;
  if (!form) return;
  var url = form.getAttribute('data-template-url');
  select.addEventListener('change', function () {
    if (!select.value) return;
    fetch(url + '?template_id=' + encodeURIComponent(select.value), { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (t) {
        if (!t) return;
        form.elements.subject.value = t.subject;
        form.elements.content.value = t.content;
        form.elements.mail_format.value = t.mail_format;
      });
  });
})();
`;
