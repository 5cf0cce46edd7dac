/* dlmath explorers without a kernel.
 *
 * Each explorer in the book is a <figure class="dlmath-explorer" data-frames="N"> holding its controls
 * (range inputs and selects, hidden until this script wires them), its picture, and a JSON list of the
 * N pictures computed when the book was built: one per point of a grid over the controls, in row-major
 * order. Moving a control shows the picture of the grid point it names, with that picture's alt text,
 * and announces the change to screen readers. No request leaves the site: the pictures are files beside
 * the page (or data URIs), fetched the first time the reader reaches for a control.
 */
(function () {
  "use strict";

  function wire(figure) {
    if (figure.getAttribute("data-wired") === "true") {
      return;
    }
    var source = figure.querySelector("script.dlmath-explorer-data");
    var img = figure.querySelector("img");
    var panel = figure.querySelector(".dlmath-explorer-controls");
    if (!source || !img || !panel) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var status = figure.querySelector(".dlmath-explorer-status");
    var inputs = data.controls.map(function (control) {
      return figure.querySelector('[data-control="' + control.name + '"]');
    });

    function index() {
      var flat = 0;
      data.controls.forEach(function (control, k) {
        var at = inputs[k] ? parseInt(inputs[k].value, 10) : 0;
        flat = flat * control.values.length + at;
      });
      return flat;
    }

    function show() {
      var frame = data.frames[index()];
      img.src = frame[0];
      img.alt = frame[1];
      data.controls.forEach(function (control, k) {
        var input = inputs[k];
        if (input && input.type === "range") {
          var value = control.values[parseInt(input.value, 10)];
          input.setAttribute("aria-valuetext", value);
          var output = figure.querySelector('output[for="' + input.id + '"]');
          if (output) {
            output.textContent = value;
          }
        }
      });
      if (status) {
        status.textContent = frame[1];
      }
    }

    var preloaded = false;
    function preload() {
      if (preloaded) {
        return;
      }
      preloaded = true;
      data.frames.forEach(function (frame) {
        new Image().src = frame[0];
      });
    }

    inputs.forEach(function (input) {
      if (input) {
        input.addEventListener("input", show);
        input.addEventListener("change", show);
      }
    });
    panel.addEventListener("focusin", preload);
    panel.addEventListener("pointerenter", preload);
    panel.hidden = false;
    figure.setAttribute("data-wired", "true");
  }

  function wireAll() {
    var figures = document.querySelectorAll("figure.dlmath-explorer[data-frames]");
    Array.prototype.forEach.call(figures, wire);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wireAll);
  } else {
    wireAll();
  }
})();
