// Loaded by a11y.py: an object of two checks, each returning its problems as lines of text.
// WCAG's relative luminance and contrast ratio; the background is the first ancestor's that is not
// transparent, with translucent ones blended over what lies under them. Large text (24px, or 18.66px bold)
// needs 3:1, the rest 4.5:1. Text that is not shown (display: none, the 1-pixel visually-hidden box, off
// screen as the skip link is until focused) and SVG text (drawn with fill, checked by eye) are left out.
({
  contrast: () => {
    const parse = (text) => {
      let m = text.match(/rgba?\(([\d.]+),? ([\d.]+),? ([\d.]+)(?:,? \/? ?([\d.]+))?\)/);
      if (m) return [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]];
      m = text.match(/color\(srgb ([\d.]+) ([\d.]+) ([\d.]+)(?: \/ ([\d.]+))?\)/);
      if (m) return [m[1] * 255, m[2] * 255, m[3] * 255, m[4] === undefined ? 1 : +m[4]];
      throw new Error("unreadable colour " + text);
    };
    const over = (top, under) => {
      const a = top[3];
      return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat([1]);
    };
    const background = (el) => {
      const layers = [];
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c[3] > 0) layers.push(c);
        if (c[3] >= 1) break;
      }
      let colour = [255, 255, 255, 1];
      for (const layer of layers.reverse()) colour = over(layer, colour);
      return colour;
    };
    const luminance = (c) => {
      const [r, g, b] = c.slice(0, 3).map((v) => {
        v /= 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ratio = (a, b) => {
      const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
      return (x + 0.05) / (y + 0.05);
    };
    const problems = [];
    for (const el of document.body.querySelectorAll("*")) {
      if (el.closest("svg, option, script, style")) continue;
      const own = [...el.childNodes].filter((n) => n.nodeType === 3 && n.textContent.trim()).map((n) => n.textContent.trim());
      if (!own.length) continue;
      const box = el.getBoundingClientRect();
      if (box.width <= 1 || box.height <= 1 || box.bottom < 0) continue;
      const style = getComputedStyle(el);
      if (style.visibility !== "visible" || +style.opacity === 0) continue;
      const bg = background(el);
      const fg = over(parse(style.color), bg);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && +style.fontWeight >= 700);
      const need = large ? 3 : 4.5;
      const got = ratio(fg, bg);
      if (got < need) {
        problems.push(`${got.toFixed(2)}:1 (needs ${need}) ${el.tagName.toLowerCase()}.${el.className} "${own.join(" ").slice(0, 40)}" ${style.color} on rgb(${bg.slice(0, 3).map(Math.round)})`);
      }
    }
    return problems;
  },

  // Every visible control has a label, every column header a text, one h1 and no skipped level,
  // no two landmarks of one kind with one name, a page title.
  structure: () => {
    const problems = [];
    const shown = (el) => el.getClientRects().length > 0;
    for (const el of document.querySelectorAll("input, select, textarea")) {
      if (el.type === "hidden" || el.hidden || !shown(el)) continue;
      const named = (el.labels && [...el.labels].some((l) => l.textContent.trim())) || el.getAttribute("aria-label")
        || (el.getAttribute("aria-labelledby") || "").split(" ").some((id) => document.getElementById(id)?.textContent.trim());
      if (!named) problems.push(`a ${el.tagName.toLowerCase()} named ${el.name || "?"} has no label`);
    }
    for (const th of document.querySelectorAll("th")) {
      if (!th.textContent.trim() && !th.getAttribute("aria-label")) problems.push(`an empty column header in ${th.closest("table").id || "a table"}`);
    }
    const levels = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map((h) => +h.tagName[1]);
    if (levels.filter((l) => l === 1).length !== 1) problems.push(`${levels.filter((l) => l === 1).length} h1 headings (one wanted)`);
    levels.forEach((l, i) => { if (i && l > levels[i - 1] + 1) problems.push(`an h${l} right after an h${levels[i - 1]}`); });
    if (levels[0] !== 1) problems.push("the first heading is not the h1");
    const names = {};
    for (const el of document.querySelectorAll("nav, [role=search], main, header, footer, section[aria-label], section[aria-labelledby]")) {
      const name = el.getAttribute("aria-label") || (el.getAttribute("aria-labelledby") && document.getElementById(el.getAttribute("aria-labelledby"))?.textContent.trim()) || "";
      const key = el.tagName + "|" + (el.getAttribute("role") || "") + "|" + name;
      if (names[key]) problems.push(`two ${el.tagName.toLowerCase()} landmarks named "${name}"`);
      names[key] = true;
    }
    if (!document.title.trim()) problems.push("no page title");
    return problems;
  },
})
