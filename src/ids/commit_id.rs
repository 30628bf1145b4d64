use std::{fmt, str::FromStr};

use crate::codec::multibase::{self, Base};
use cid::Cid;

use super::{read_cid, strip_url, StreamId};
use crate::error::{Error, Result};

/// A version of a stream: its StreamID plus the commit (event) CID. The genesis version is written
/// with a single `0x00` byte in place of the commit CID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommitId {
    stream_id: StreamId,
    /// `None` is the genesis (`0x00`) form.
    commit: Option<Cid>,
}

impl CommitId {
    /// The version of `stream_id` at `commit`. A commit equal to the genesis CID is normalised to
    /// the `0x00` form, as the JS implementation does.
    pub fn new(stream_id: StreamId, commit: Cid) -> Self {
        let commit = (commit != *stream_id.cid()).then_some(commit);
        CommitId { stream_id, commit }
    }

    /// The genesis version of `stream_id`.
    pub fn genesis(stream_id: StreamId) -> Self {
        CommitId {
            stream_id,
            commit: None,
        }
    }

    /// The stream this is a version of.
    pub fn stream_id(&self) -> &StreamId {
        &self.stream_id
    }

    /// The commit (event) CID; the genesis CID for the genesis version.
    pub fn commit(&self) -> Cid {
        self.commit.unwrap_or(*self.stream_id.cid())
    }

    /// Whether this is the genesis version.
    pub fn is_genesis(&self) -> bool {
        self.commit.is_none()
    }

    /// Binary form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.stream_id.to_bytes();
        match &self.commit {
            None => out.push(0x00),
            Some(c) => crate::codec::cidbytes::write_cid(&mut out, c),
        }
        out
    }

    /// Parse the binary form: a StreamID followed by `0x00` or a CID, nothing after.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let (stream_id, rest) = StreamId::read(bytes, Error::InvalidCommitId)?;
        match rest {
            [] => Err(Error::InvalidCommitId(
                "no commit part (this is a StreamID)".into(),
            )),
            [0x00] => Ok(CommitId::genesis(stream_id)),
            _ => {
                let (commit, rest) = read_cid(rest, Error::InvalidCommitId)?;
                if !rest.is_empty() {
                    return Err(Error::InvalidCommitId(
                        "trailing bytes after the commit CID".into(),
                    ));
                }
                Ok(CommitId::new(stream_id, commit))
            }
        }
    }

    /// `ceramic://k…`
    pub fn to_url(&self) -> String {
        format!("ceramic://{self}")
    }
}

impl fmt::Display for CommitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&multibase::encode(Base::Base36Lower, &self.to_bytes()))
    }
}

impl FromStr for CommitId {
    type Err = Error;

    /// Accepts `k…` (or any multibase), `ceramic://…`, `/ceramic/…`, and the legacy
    /// `<StreamID>?commit=<CID>` / `?commit=0` forms.
    fn from_str(s: &str) -> Result<Self> {
        let s = strip_url(s.trim());
        let err = |e: &dyn fmt::Display| {
            Error::InvalidCommitId(format!("{}: {e}", crate::codec::quoted(s)))
        };
        match s.split_once('?') {
            None => {
                let bytes = multibase::decode(s).map_err(|e| err(&e))?;
                CommitId::from_bytes(&bytes)
            }
            Some((base, query)) => {
                let commit = query
                    .strip_prefix("commit=")
                    .ok_or_else(|| err(&"expected ?commit=<cid>"))?;
                let stream_id: StreamId = base.parse().map_err(|e: Error| err(&e))?;
                if commit == "0" {
                    return Ok(CommitId::genesis(stream_id));
                }
                let cid = multibase::parse_cid(commit).map_err(|e| err(&e))?;
                Ok(CommitId::new(stream_id, cid))
            }
        }
    }
}

super::serde_as_string!(CommitId);

#[cfg(test)]
mod tests {
    use super::*;

    const TILE: &str = "kjzl6cwe1jw147dvq16zluojmraqvwdmbh61dx9e0c59i344lcrsgqfohexp60s";
    const GENESIS: &str = "k3y52l7qbv1frxwipl4hp7e6jlu4f6u8upm2xv0irmedfkm5cnutmezzi3u7mytj4";
    const COMMIT: &str = "bagjqcgzaday6dzalvmy5ady2m5a5legq5zrbsnlxfc2bfxej532ds7htpova";

    #[test]
    fn genesis_forms_normalise() {
        let sid: StreamId = TILE.parse().unwrap();
        let g = CommitId::genesis(sid);
        assert_eq!(g.to_string(), GENESIS);
        assert_eq!(CommitId::new(sid, *sid.cid()), g);
        assert_eq!(format!("{TILE}?commit=0").parse::<CommitId>().unwrap(), g);
        assert_eq!(
            format!("{TILE}?commit={}", sid.cid())
                .parse::<CommitId>()
                .unwrap(),
            g
        );
        assert_eq!(g.commit(), *sid.cid());
        assert!(g.is_genesis());
    }

    #[test]
    fn legacy_query_form() {
        let c: CommitId = format!("ceramic://{TILE}?commit={COMMIT}").parse().unwrap();
        assert_eq!(c.commit().to_string(), COMMIT);
        assert_eq!(c.stream_id().to_string(), TILE);
        assert_eq!(c.to_string().parse::<CommitId>().unwrap(), c);
    }

    #[test]
    fn rejects_stream_ids_and_garbage() {
        assert_eq!(
            TILE.parse::<CommitId>().unwrap_err().code(),
            "INVALID_COMMIT_ID"
        );
        assert_eq!(
            format!("{TILE}?version=1")
                .parse::<CommitId>()
                .unwrap_err()
                .code(),
            "INVALID_COMMIT_ID"
        );
        assert_eq!(
            format!("{TILE}?commit=zz")
                .parse::<CommitId>()
                .unwrap_err()
                .code(),
            "INVALID_COMMIT_ID"
        );
        let mut b = CommitId::genesis(TILE.parse().unwrap()).to_bytes();
        b.push(0);
        assert_eq!(
            CommitId::from_bytes(&b).unwrap_err().code(),
            "INVALID_COMMIT_ID"
        );
    }
}
