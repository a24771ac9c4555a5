// The language switch of the lossedu book: a link to the same page in the other edition. The Chinese
// edition is the folder zh/ of the English one, with the same page paths (tools/build_book.py).
document.addEventListener("DOMContentLoaded", () => {
  const html = document.documentElement;
  const zh = (html.lang || "").toLowerCase().startsWith("zh");
  const here = new URL(window.location.href);
  const root = new URL(html.dataset.content_root || "./", here); // this edition's root folder
  const page = here.href.slice(root.href.length) || "index.html";
  const link = document.createElement("a");
  link.className = "lossedu-lang-switch";
  link.href = new URL((zh ? "../" : "zh/") + page, root).href;
  link.textContent = zh ? "English" : "中文版";
  link.title = zh ? "Read this page in English" : "阅读本页的中文版";
  const header = document.querySelector(".article-header-buttons") || document.querySelector("header") || document.body;
  header.prepend(link);
});
