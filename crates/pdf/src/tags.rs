//! The structure tree of a tagged PDF: elements (Document, H1, H2, P, Table, TR, TH, TD) in
//! reading order, each holding the marked-content sequences (page and MCID) drawn for it, and per
//! page the element of each MCID for the `/ParentTree`.

/// A child of a structure element.
enum Kid {
    Elem(usize),
    Mcr { page: usize, mcid: usize },
}

struct Elem {
    tag: &'static str,
    /// Extra entries of the element's dictionary, e.g. an attribute object.
    extra: &'static str,
    parent: Option<usize>,
    kids: Vec<Kid>,
}

pub(crate) struct Tree {
    elems: Vec<Elem>,
    current: usize,
    /// Per page, the element of each MCID on it (the MCID is the index).
    parents: Vec<Vec<usize>>,
}

impl Tree {
    /// A tree with the `/Document` element open.
    pub(crate) fn new() -> Tree {
        Tree {
            elems: vec![Elem {
                tag: "Document",
                extra: "",
                parent: None,
                kids: Vec::new(),
            }],
            current: 0,
            parents: Vec::new(),
        }
    }

    /// Opens an element inside the current one; what is marked next belongs to it.
    pub(crate) fn open(&mut self, tag: &'static str, extra: &'static str) {
        let id = self.elems.len();
        self.elems.push(Elem {
            tag,
            extra,
            parent: Some(self.current),
            kids: Vec::new(),
        });
        self.elems[self.current].kids.push(Kid::Elem(id));
        self.current = id;
    }

    /// Closes the current element.
    pub(crate) fn close(&mut self) {
        self.current = self.elems[self.current].parent.unwrap_or(0);
    }

    /// A new marked-content sequence on `page` for the current element: its MCID and the tag to
    /// open it with.
    pub(crate) fn mark(&mut self, page: usize) -> (usize, &'static str) {
        if self.parents.len() <= page {
            self.parents.resize_with(page + 1, Vec::new);
        }
        let mcid = self.parents[page].len();
        self.parents[page].push(self.current);
        self.elems[self.current].kids.push(Kid::Mcr { page, mcid });
        (mcid, self.elems[self.current].tag)
    }

    pub(crate) fn len(&self) -> usize {
        self.elems.len()
    }

    /// The elements' dictionaries in order; element `i` is object `first + i`, the tree root is
    /// object `root` and page `p` is object `page_object(p)`.
    pub(crate) fn objects(
        &self,
        first: usize,
        root: usize,
        page_object: impl Fn(usize) -> usize,
    ) -> Vec<String> {
        self.elems
            .iter()
            .map(|e| {
                let parent = e.parent.map_or(root, |p| first + p);
                let kids: Vec<String> = e
                    .kids
                    .iter()
                    .map(|k| match k {
                        Kid::Elem(i) => format!("{} 0 R", first + i),
                        Kid::Mcr { page, mcid } => format!(
                            "<< /Type /MCR /Pg {} 0 R /MCID {mcid} >>",
                            page_object(*page)
                        ),
                    })
                    .collect();
                format!(
                    "<< /Type /StructElem /S /{} /P {parent} 0 R{} /K [{}] >>",
                    e.tag,
                    e.extra,
                    kids.join(" ")
                )
            })
            .collect()
    }

    /// The `/ParentTree` number tree: page `p` (its `/StructParents`) maps to the array of the
    /// elements of its MCIDs.
    pub(crate) fn parent_tree(&self, first: usize, pages: usize) -> String {
        let mut nums = Vec::new();
        for p in 0..pages {
            let refs: Vec<String> = self
                .parents
                .get(p)
                .map(|v| v.iter().map(|e| format!("{} 0 R", first + e)).collect())
                .unwrap_or_default();
            nums.push(format!("{p} [{}]", refs.join(" ")));
        }
        format!("<< /Nums [{}] >>", nums.join(" "))
    }
}
