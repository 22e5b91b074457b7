/** A customer's own workflows (a blog product), as an integrator would upload them. */
export const BLOG_WORKFLOWS = {
  workflows: [
    {
      id: "publish-post",
      name: "Publish a blog post",
      steps: [
        { id: "open-editor", match: { url: "/posts/new" }, hint: "Open Posts → New post." },
        { id: "write-title", match: { type: "type", text: "title" }, hint: "Give the post a title." },
        { id: "publish", match: { type: "click", text: "publish" }, hint: "Click 'Publish'." },
      ],
    },
  ],
};
