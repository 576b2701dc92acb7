// Tiles as a radiogroup: the wizard's distribution and scenario pickers.

import { h, uid } from "../dom.js";
import { pluck } from "../sound.js";

/**
 * A radiogroup of tiles: arrow keys move and select, Home/End jump, Space/Enter select, a click selects; one tab
 * stop (the selected tile, else the first). A change of selection plucks and calls onSelect(value).
 * items: [{value, title, description, titleBadge?, before?, after?}]: a tile is named by its title and described
 * by its description; `before` (e.g. a thumbnail) and `after` (e.g. facts) are extra content around them.
 */
export function radioTiles({ labelledBy, items, selected, onSelect, className = "" }) {
  const group = h("div", { role: "radiogroup", "aria-labelledby": labelledBy, class: `tiles ${className}` });
  const tiles = [];
  const choose = (index, focus) => {
    const item = items[index];
    const changed = item.value !== selected;
    selected = item.value;
    tiles.forEach((tile, i) => {
      tile.setAttribute("aria-checked", i === index ? "true" : "false");
      tile.tabIndex = i === index ? 0 : -1;
    });
    if (focus) tiles[index].focus();
    if (changed) {
      onSelect(item.value); // first: a new scenario sets the pitch this pluck plays at
      pluck();
    }
  };
  items.forEach((item, index) => {
    const nameId = uid("tile-name");
    const descId = uid("tile-desc");
    const checked = item.value === selected;
    const tile = h(
      "div",
      {
        role: "radio",
        class: "tile",
        "aria-checked": checked ? "true" : "false",
        tabindex: checked || (selected === null && index === 0) ? "0" : "-1",
        "aria-labelledby": nameId,
        "aria-describedby": descId,
        dataset: { value: item.value },
        onclick: () => choose(index, true),
        onkeydown: (event) => {
          const last = items.length - 1;
          const moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
          if (event.key === " " || event.key === "Enter") {
            event.preventDefault();
            choose(index, true);
          } else if (event.key in moves) {
            event.preventDefault();
            choose((index + moves[event.key] + items.length) % items.length, true);
          } else if (event.key === "Home" || event.key === "End") {
            event.preventDefault();
            choose(event.key === "Home" ? 0 : last, true);
          }
        },
      },
      item.before,
      h("span", { class: "tile-title" }, h("span", { id: nameId }, item.title), item.titleBadge ? h("span", { class: "badge" }, item.titleBadge) : null),
      h("span", { class: "tile-text", id: descId }, item.description),
      item.after,
    );
    tiles.push(tile);
    group.append(tile);
  });
  return group;
}
