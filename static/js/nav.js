// The grouped top menu: a group opened by a click closes when the user clicks elsewhere
// or presses Escape (the <details> elements work without this script too).
document.addEventListener("click", (event) => {
  for (const group of document.querySelectorAll("details.navgroup[open]")) {
    if (!group.contains(event.target)) group.removeAttribute("open");
  }
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const group of document.querySelectorAll("details.navgroup[open]")) group.removeAttribute("open");
});
