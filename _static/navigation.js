/* Below 992 px the table of contents and the page contents open as side panels (modal
 * <dialog>s of pydata-sphinx-theme 0.17.1, closed by a tap outside or Escape). A link
 * followed from a panel leaves it open over the page: a section link of the contents
 * scrolls the page behind the panel, where the reader cannot see it. This closes the
 * panel when a link in it is followed (the theme then puts the sidebar back in its
 * place), and the link goes where it points. Guarded by tests/site/test_navigation.py;
 * the other half of the navigation fix is in _ext/book_fixes.py (3.).
 */
(() => {
  const closeOnLink = (event) => {
    const dialog = event.currentTarget;
    if (dialog.open && event.target.closest("a[href]")) {
      dialog.close();
    }
  };
  const setup = () => {
    ["pst-primary-sidebar-modal", "pst-secondary-sidebar-modal"].forEach((id) => {
      const dialog = document.getElementById(id);
      if (dialog) {
        dialog.addEventListener("click", closeOnLink);
      }
    });
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
