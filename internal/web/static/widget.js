// SympoQ widget: include it on a website with
//   <script src="https://help.example.com/app/widget.js" data-color="#0a7"
//           data-position="right" data-icon="chat" async></script>
// It adds a floating button that opens the request form (/app/widget of
// the same server) in a frame. No dependencies; nothing is sent until the
// visitor submits the form inside the frame.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__sympoqWidget) { return; }
  window.__sympoqWidget = true;
  var base = new URL(script.src, document.baseURI);
  var formURL = base.origin + "/app/widget";
  var color = script.getAttribute("data-color") || "#2457c5";
  if (!/^#[0-9a-fA-F]{3,8}$|^[a-zA-Z]{3,20}$/.test(color)) { color = "#2457c5"; }
  var side = script.getAttribute("data-position") === "left" ? "left" : "right";
  var icons = {
    chat: "M4 4h16v11H8l-4 4z",
    help: "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm1 16h-2v-2h2zm2.1-7.7-.9.9c-.7.7-1.2 1.3-1.2 2.8h-2v-.5c0-1.1.5-2.1 1.2-2.8l1.2-1.3a1.9 1.9 0 1 0-3.3-1.3H8a4 4 0 1 1 7.1 2.2z",
    mail: "M3 5h18v14H3zm2 2v.5l7 4.5 7-4.5V7l-7 4.5z"
  };
  var icon = icons[script.getAttribute("data-icon")] || icons.chat;
  var label = script.getAttribute("data-label") || "Help";

  function css(el, rules) { for (var k in rules) { el.style[k] = rules[k]; } }

  var button = document.createElement("button");
  button.type = "button";
  button.className = "sympoq-widget-button";
  button.setAttribute("aria-label", label);
  button.setAttribute("aria-expanded", "false");
  css(button, { position: "fixed", bottom: "20px", width: "56px", height: "56px", borderRadius: "50%", border: "none",
    background: color, color: "#fff", cursor: "pointer", boxShadow: "0 4px 14px rgba(0,0,0,.25)", zIndex: "2147483646",
    display: "flex", alignItems: "center", justifyContent: "center", padding: "0" });
  button.style[side] = "20px";
  var svgNS = "http://www.w3.org/2000/svg";
  var svg = document.createElementNS(svgNS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "26");
  svg.setAttribute("height", "26");
  svg.setAttribute("aria-hidden", "true");
  var path = document.createElementNS(svgNS, "path");
  path.setAttribute("d", icon);
  path.setAttribute("fill", "currentColor");
  svg.appendChild(path);
  button.appendChild(svg);

  var panel = document.createElement("div");
  panel.className = "sympoq-widget-panel";
  panel.hidden = true;
  panel.style.display = "none"; // whatever the host page's CSS says about divs
  css(panel, { position: "fixed", bottom: "88px", width: "380px", maxWidth: "calc(100vw - 24px)", height: "560px",
    maxHeight: "calc(100vh - 110px)", background: "#fff", borderRadius: "10px", overflow: "hidden",
    boxShadow: "0 10px 40px rgba(0,0,0,.28)", zIndex: "2147483647" });
  panel.style[side] = "20px";
  var frame = null;

  function open() {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.className = "sympoq-widget-frame";
      frame.title = label;
      frame.src = formURL;
      css(frame, { width: "100%", height: "100%", border: "0" });
      panel.appendChild(frame);
    }
    panel.hidden = false;
    panel.style.display = "block";
    button.setAttribute("aria-expanded", "true");
  }
  function close() {
    panel.hidden = true;
    panel.style.display = "none";
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }
  button.addEventListener("click", function () { if (panel.hidden) { open(); } else { close(); } });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape" && !panel.hidden) { close(); } });

  function mount() { document.body.appendChild(panel); document.body.appendChild(button); }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
