/* dlmath explorers without a kernel.
 *
 * Each explorer in the book is a <figure class="dlmath-explorer" data-frames="N"> holding its preset buttons and
 * controls (range inputs and selects, hidden until this script wires them), its picture, and a JSON record of the
 * N pictures computed when the book was built: `controls` (each control's values, the positions of its input),
 * `frames` ([picture, alt text]), `points` (each frame's position of every control) and `presets` (a name and
 * the frame it shows). The points are a grid over the controls plus the presets off it. Moving a control shows
 * the picture of the point it names; where the page holds no picture for that combination, the other controls
 * move to the nearest point that has one, and the status line says so. Pressing a preset moves every control to
 * it. Each change is announced to screen readers. No request leaves the site: the pictures are files beside the
 * page (or data URIs), fetched the first time the reader reaches for a control.
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
    var shownNote = figure.querySelector(".dlmath-explorer-note");
    var current = -1;
    var inputs = data.controls.map(function (control) {
      return figure.querySelector('[data-control="' + control.name + '"]');
    });
    var buttons = Array.prototype.slice.call(figure.querySelectorAll("button[data-preset]"));
    var presets = data.presets || [];
    var points = data.points;
    var lookup = {};
    points.forEach(function (point, i) {
      lookup[point.join(",")] = i;
    });

    function position() {
      return inputs.map(function (input) {
        return input ? parseInt(input.value, 10) : 0;
      });
    }

    function place(point) {
      inputs.forEach(function (input, k) {
        if (input) {
          input.value = String(point[k]);
        }
      });
    }

    // The frame nearest to `point` that keeps control `moved` where the reader put it: the fewest other
    // controls changed, then the smallest steps.
    function nearest(point, moved) {
      var best = -1;
      var bestCost = null;
      points.forEach(function (candidate, i) {
        if (candidate[moved] !== point[moved]) {
          return;
        }
        var changed = 0;
        var steps = 0;
        candidate.forEach(function (at, k) {
          if (at !== point[k]) {
            changed += 1;
            steps += Math.abs(at - point[k]);
          }
        });
        if (bestCost === null || changed < bestCost[0] || (changed === bestCost[0] && steps < bestCost[1])) {
          best = i;
          bestCost = [changed, steps];
        }
      });
      return best;
    }

    function show(i, note) {
      current = i;
      var frame = data.frames[i];
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
      var shown = null;
      presets.forEach(function (preset, p) {
        var on = preset.frame === i;
        if (on) {
          shown = preset.name;
        }
        if (buttons[p]) {
          buttons[p].setAttribute("aria-pressed", on ? "true" : "false");
        }
      });
      figure.setAttribute("data-preset-shown", shown || "");
      if (status) {
        status.textContent = (shown ? "Preset " + shown + ". " : "") + (note ? note + " " : "") + frame[1];
      }
      if (shownNote) {  // the same news for the eye, without the long description
        shownNote.textContent = note || (shown ? "Preset shown: " + shown + "." : "");
      }
    }

    function moved(k) {
      return function () {
        var point = position();
        var i = lookup[point.join(",")];
        var note = "";
        if (i === current) {  // the "change" after an "input" that was already shown (and perhaps moved)
          return;
        }
        if (i === undefined) {
          i = nearest(point, k);
          var changed = [];
          points[i].forEach(function (at, j) {
            if (at !== point[j]) {
              changed.push(figure.querySelector('label[for="' + inputs[j].id + '"]').textContent + " = " +
                           data.controls[j].values[at]);
            }
          });
          place(points[i]);
          note = "The page holds no picture for that combination; moved to the nearest one it holds: " +
                 changed.join(", ") + ".";
        }
        show(i, note);
      };
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

    inputs.forEach(function (input, k) {
      if (input) {
        input.addEventListener("input", moved(k));
        input.addEventListener("change", moved(k));
      }
    });
    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        var preset = presets[parseInt(button.getAttribute("data-preset"), 10)];
        place(points[preset.frame]);
        show(preset.frame, "");
      });
    });
    panel.addEventListener("focusin", preload);
    panel.addEventListener("pointerenter", preload);
    panel.hidden = false;
    var start = lookup[position().join(",")];
    current = start;
    var startName = "";
    presets.forEach(function (preset, p) {
      if (preset.frame === start) {
        startName = preset.name;
      }
      if (buttons[p]) {
        buttons[p].setAttribute("aria-pressed", preset.frame === start ? "true" : "false");
      }
    });
    figure.setAttribute("data-preset-shown", startName);
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
